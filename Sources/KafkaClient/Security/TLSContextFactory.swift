import KScaleCore
import NIOCore
import NIOSSL

/// Turns `TLSSettings` into an `NIOSSLContext` once per client, so every broker connection shares
/// the parsed CA bundle and key. Errors name the file, never the key password.
enum TLSContextFactory {
    static func makeContext(_ settings: TLSSettings) throws -> NIOSSLContext {
        var tls = TLSConfiguration.makeClientConfiguration()
        if let ca = settings.caFile {
            do {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(ca))
            } catch {
                throw InvalidInput("ssl.ca.location \(ca): not a readable PEM certificate bundle (\(error))")
            }
        }
        if let certFile = settings.certificateFile, let keyFile = settings.keyFile {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(certFile).map { .certificate($0) }
            } catch {
                throw InvalidInput("ssl.certificate.location \(certFile): not a readable PEM certificate (\(error))")
            }
            guard !tls.certificateChain.isEmpty else {
                throw InvalidInput("ssl.certificate.location \(certFile): no certificate in the file")
            }
            do {
                if let password = settings.keyPassword {
                    let bytes = Array(password.utf8)
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem) { setter in setter(bytes) })
                } else {
                    tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
                }
            } catch {
                throw InvalidInput("ssl.key.location \(keyFile): cannot read the private key (wrong ssl.key.password, or not PEM)")
            }
        }
        tls.certificateVerification = settings.verifyHostname ? .fullVerification : .noHostnameVerification
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw InvalidInput("cannot set up TLS from the ssl.* settings: \(error)")
        }
    }

    /// The handler for one connection. An IP literal cannot go in SNI; NIOSSL then checks the
    /// certificate against the peer's IP address instead.
    static func makeHandler(_ context: NIOSSLContext, host: String) throws -> NIOSSLClientHandler {
        let isIP = (try? SocketAddress(ipAddress: host, port: 0)) != nil
        return try NIOSSLClientHandler(context: context, serverHostname: isIP ? nil : host)
    }
}
