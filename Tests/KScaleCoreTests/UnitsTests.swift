import KScaleTestSupport
import Testing
@testable import KScaleCore

@Suite(.offThePool) struct ByteUnitsTests {
    @Test func parsesDecimalAndBinarySizes() throws {
        #expect(try ByteUnits.parseSize("50MB") == 50_000_000)
        #expect(try ByteUnits.parseSize("1.5GiB") == 1_610_612_736)
        #expect(try ByteUnits.parseSize("2TB") == 2_000_000_000_000)
        #expect(try ByteUnits.parseSize("123") == 123)
        #expect(try ByteUnits.parseSize("10kib") == 10_240)
    }

    @Test func parsesRates() throws {
        #expect(try ByteUnits.parseRate("200MB/s") == 200_000_000)
        #expect(try ByteUnits.parseRate("1GiB/s") == 1_073_741_824)
        #expect(try ByteUnits.parseRate("50MBps") == 50_000_000)
    }

    @Test(arguments: ["", "MB", "-5MB", "ten", "5XB", "1e3MB"])
    func rejectsGarbage(_ text: String) {
        #expect(throws: InvalidInput.self) { try ByteUnits.parseSize(text) }
    }
}

/// `--throttle 50` is 50 B/s: a bare number under 1 MB/s is a forgotten unit (issue 13 item 4).
@Suite(.offThePool) struct ThrottleParsingTests {
    @Test func aBareSmallNumberIsRefusedNamingTheLikelyMeaning() {
        let error = #expect(throws: InvalidInput.self) { try ByteUnits.parseThrottle("50") }
        #expect(error?.message.contains("did you mean 50MB/s?") == true)
    }

    @Test func unitsAndLargeBareNumbersAreTakenAsMeant() throws {
        #expect(try ByteUnits.parseThrottle("50KB/s") == 50_000)
        #expect(try ByteUnits.parseThrottle("50MB/s") == 50_000_000)
        #expect(try ByteUnits.parseThrottle("50000000") == 50_000_000)
    }
}
