import KScaleCore

extension KafkaClientError: KindedError {
    /// Not reaching a broker and a broker refusing our credentials are one kind for the operator
    /// (check the address, the network, the credentials): `connection`. A broker that answers but
    /// cannot do what kscale needs is the cluster's; using the client after closing it is a bug.
    public var kind: ErrorKind {
        switch self {
        // A frame size no Kafka broker sends: the address is not a Kafka listener (TLS read as
        // plaintext, another protocol), which is the operator's connection settings.
        case .bootstrapFailed, .connectFailed, .connectionClosed, .requestTimedOut, .authenticationFailed, .frameSizeInvalid: .connection
        case .unsupported, .malformedResponse, .wrongCorrelationID, .frameTooShort, .unknownBroker: .cluster
        case .closed: .internal
        }
    }
}
