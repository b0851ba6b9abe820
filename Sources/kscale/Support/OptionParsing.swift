import KScaleCore

/// Parses a non-negative byte quantity with `parse`, naming the option in the error.
private func parseByteOption(_ text: String, _ option: String, _ parse: (String) throws -> Int64) throws -> Int64 {
    if text.trimmingCharacters(in: .whitespaces).hasPrefix("-") { throw InvalidInput("\(option) must not be negative, got \(text)") }
    do { return try parse(text) } catch let e as InvalidInput {
        throw InvalidInput("\(option): \(e.message)")
    }
}

/// Parses a rate option, naming the option in the error.
func parseRateOption(_ text: String, _ option: String) throws -> Int64 { try parseByteOption(text, option, ByteUnits.parseRate) }

/// Parses a throttle option (a rate; a bare number under 1 MB/s is refused), naming the option.
func parseThrottleOption(_ text: String, _ option: String) throws -> Int64 { try parseByteOption(text, option, ByteUnits.parseThrottle) }

/// Parses a size option, naming the option in the error.
func parseSizeOption(_ text: String, _ option: String) throws -> Int64 { try parseByteOption(text, option, ByteUnits.parseSize) }

/// Broker id lists as operators type them: `7,8,9`.
func parseBrokerList(_ text: String, option: String) throws -> [BrokerID] {
    let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    return try parts.map { p in
        guard let id = BrokerID(p) else { throw InvalidInput("\(option) \"\(text)\": \"\(p)\" is not a broker id (expected a comma-separated list such as 7,8,9)") }
        return id
    }
}
