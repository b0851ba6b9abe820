import KScaleCore

/// Topic and broker configs: DescribeConfigs, IncrementalAlterConfigs (KIP-339) and the legacy
/// AlterConfigs, which replaces a resource's whole dynamic set as Kafka does.
extension ClusterModel {
    /// A resource the alter and describe calls act on: a topic, one broker, or ("") the
    /// cluster-wide broker default.
    enum ConfigTarget {
        case topic(String)
        case broker(BrokerID)
        case brokerDefault
    }

    func resolve(_ type: SimResourceType, _ name: String) throws(SimFailure) -> ConfigTarget {
        switch type {
        case .topic:
            guard topics[name] != nil else { throw SimFailure(SimErrorCode.unknownTopicOrPartition, "The topic '\(name)' does not exist.") }
            return .topic(name)
        case .broker:
            if name.isEmpty { return .brokerDefault }
            guard let id = BrokerID(name), brokers[id] != nil else {
                throw SimFailure(SimErrorCode.invalidRequest, "Unexpected broker id, expected a registered broker but received \(name)")
            }
            return .broker(id)
        }
    }

    func currentDynamic(_ target: ConfigTarget) -> [String: String] {
        switch target {
        case .topic(let name): topics[name]?.configs ?? [:]
        case .broker(let id): brokers[id]?.configs ?? [:]
        case .brokerDefault: clusterDefaults
        }
    }

    mutating func store(_ configs: [String: String], _ target: ConfigTarget) {
        switch target {
        case .topic(let name):
            topics[name]?.configs = configs
            topics[name]?.refreshThrottles()
        case .broker(let id): brokers[id]?.configs = configs
        case .brokerDefault: clusterDefaults = configs
        }
    }

    func spec(_ key: String, for target: ConfigTarget) throws(SimFailure) -> ConfigSpec {
        switch target {
        case .topic:
            guard let s = ConfigCatalog.topic[key] else { throw SimFailure(SimErrorCode.invalidConfig, "Unknown topic config name: \(key)") }
            return s
        case .broker, .brokerDefault:
            guard let s = brokerSpec(key) else { throw SimFailure(SimErrorCode.invalidConfig, "Unknown broker config name: \(key)") }
            guard s.dynamic else { throw SimFailure(SimErrorCode.invalidRequest, "Cannot update these configs dynamically: Set(\(key))") }
            return s
        }
    }

    /// A broker config the profile's release has: `cordoned.log.dirs` only from 4.3 (KIP-1066).
    func brokerSpec(_ key: String) -> ConfigSpec? {
        if key == Self.cordonKey, !settings.profile.supportsCordons { return nil }
        return ConfigCatalog.broker[key]
    }

    /// IncrementalAlterConfigs for one resource: every operation is checked before any applies.
    public mutating func incrementalAlterConfigs(_ type: SimResourceType, _ name: String,
                                                 _ ops: [(key: String, op: SimConfigOp, value: String?)],
                                                 validateOnly: Bool, at t: Double) throws(SimFailure) {
        advance(to: t)
        let target = try resolve(type, name)
        var configs = currentDynamic(target)
        for (key, op, value) in try Self.withoutDuplicateKeys(ops, refused: settings.profile.refusesDuplicateIncrementalKeys, key: { $0.key }) {
            let s = try spec(key, for: target)
            switch op {
            case .set:
                guard let value else { throw SimFailure(SimErrorCode.invalidRequest, "Null value not supported for : \(key)") }
                if let problem = ConfigCatalog.validate(key: key, value: value, spec: s) { throw SimFailure(SimErrorCode.invalidConfig, problem) }
                configs[key] = value
            case .delete:
                configs[key] = nil
            case .append, .subtract:
                guard s.type == .list else {
                    throw SimFailure(SimErrorCode.invalidConfig, "Config value append is not allowed for config key: \(key)")
                }
                let joined = try combineList(configs[key], defaultValue: s.defaultValue, op: op, value: value ?? "")
                if let problem = ConfigCatalog.validate(key: key, value: joined, spec: s) { throw SimFailure(SimErrorCode.invalidConfig, problem) }
                configs[key] = joined
            }
        }
        if !validateOnly { store(configs, target) }
    }

    /// A resource's operations with a key given twice: refused with INVALID_REQUEST
    /// (`ConfigAdminManager.containsDuplicates`), or, where the release keeps them in a map, the
    /// last of each key only (`KafkaProfile.refusesDuplicateIncrementalKeys`).
    static func withoutDuplicateKeys<Op>(_ ops: [Op], refused: Bool, key: (Op) -> String) throws(SimFailure) -> [Op] {
        var last: [String: Int] = [:]
        for (i, op) in ops.enumerated() { last[key(op)] = i }
        if last.count == ops.count { return ops }
        if refused { throw SimFailure(SimErrorCode.invalidRequest, "Error due to duplicate config keys") }
        return ops.enumerated().filter { last[key($0.element)] == $0.offset }.map(\.element)
    }

    /// APPEND or SUBTRACT on a list config, as the profile's release does it (`KafkaProfile.
    /// ListAppendOnUnset`): ZooKeeper-mode brokers split the old value with Java's
    /// `String.split(",")` (`AdminManager`/`ConfigAdminManager.prepareIncrementalConfigs`), which on
    /// 2.4-2.5 throws on an unset key (null) and on 2.6-3.3 turns the empty default into one empty
    /// item, so APPEND "0:1" stores ",0:1"; KRaft's `ConfigurationControlManager.getParts` and 3.4+
    /// drop empty items. No release trims an item: " 0:2" (from "0:1, 0:2") stays " 0:2", and
    /// SUBTRACT "0:2" does not remove it. SUBTRACT removes one occurrence per given item (Scala's `List.diff`,
    /// Java's `List.remove`).
    func combineList(_ stored: String?, defaultValue: String?, op: SimConfigOp, value: String) throws(SimFailure) -> String {
        let profile = settings.profile
        var items: [String]
        var given: [String]
        switch profile.listConfigAppendOnUnset {
        case .correct:
            items = ConfigLists.untrimmedItems(stored ?? defaultValue ?? "")
            given = ConfigLists.untrimmedItems(value)
        case .serverError, .leadingEmptyItem:
            if stored == nil, profile.listConfigAppendOnUnset == .serverError {
                throw SimFailure(SimErrorCode.unknownServerError, "The server experienced an unexpected error when processing the request.")
            }
            items = ConfigLists.javaSplit(stored ?? defaultValue ?? "")
            given = ConfigLists.javaSplit(value)
        }
        if op == .append {
            for g in given where !(profile.appendSkipsPresentItems && items.contains(g)) { items.append(g) }
        } else {
            for g in given {
                if let at = items.firstIndex(of: g) { items.remove(at: at) }
            }
        }
        return items.joined(separator: ",")
    }

    /// AlterConfigs (legacy): the given set becomes the resource's entire dynamic config, so every
    /// dynamic config not named is removed. This is why kscale never uses it.
    public mutating func alterConfigs(_ type: SimResourceType, _ name: String, _ entries: [(key: String, value: String?)],
                                      validateOnly: Bool, at t: Double) throws(SimFailure) {
        advance(to: t)
        let target = try resolve(type, name)
        var configs: [String: String] = [:]
        for (key, value) in try Self.withoutDuplicateKeys(entries, refused: settings.profile.refusesDuplicateLegacyKeys, key: { $0.key }) {
            let s = try spec(key, for: target)
            guard let value else { continue }
            if let problem = ConfigCatalog.validate(key: key, value: value, spec: s) { throw SimFailure(SimErrorCode.invalidConfig, problem) }
            configs[key] = value
        }
        if !validateOnly { store(configs, target) }
    }

    /// DescribeConfigs: every known key with its effective value; `keys` nil means all.
    public func describeConfigs(_ type: SimResourceType, _ name: String, keys: [String]?) throws(SimFailure) -> [SimConfigEntry] {
        let target = try resolve(type, name)
        var out: [SimConfigEntry] = []
        switch target {
        case .topic(let topic):
            let overrides = topics[topic]?.configs ?? [:]
            for key in (keys ?? ConfigCatalog.topic.keys.sorted()) {
                if let e = topicConfigEntry(key, overrides: overrides) { out.append(e) }
            }
        case .broker(let id):
            for key in (keys ?? ConfigCatalog.broker.keys.sorted()) {
                if let e = brokerConfigEntry(key, broker: id) { out.append(e) }
            }
        case .brokerDefault:
            for key in (keys ?? clusterDefaults.keys.sorted()) {
                guard let v = clusterDefaults[key], let s = brokerSpec(key) else { continue }
                let hidden = settings.profile.throttleRatesReadAsSensitive && ConfigCatalog.throttleRateKeys.contains(key)
                out.append(SimConfigEntry(name: key, value: hidden ? nil : v, readOnly: false, isDefault: false, source: .dynamicDefaultBroker,
                                          isSensitive: hidden, type: s.type))
            }
        }
        return out
    }

    func topicConfigEntry(_ key: String, overrides: [String: String]) -> SimConfigEntry? {
        guard let s = ConfigCatalog.topic[key] else { return nil }
        let defaultSynonym = (name: key, value: s.defaultValue, source: SimConfigSource.defaultConfig)
        if let v = overrides[key] {
            return SimConfigEntry(name: key, value: v, readOnly: false, isDefault: false, source: .dynamicTopic, type: s.type,
                                  synonyms: [(key, v, .dynamicTopic), defaultSynonym])
        }
        return SimConfigEntry(name: key, value: s.defaultValue, readOnly: false, isDefault: true, source: .defaultConfig, type: s.type,
                              synonyms: [defaultSynonym])
    }

    func brokerConfigEntry(_ key: String, broker id: BrokerID) -> SimConfigEntry? {
        guard let s = brokerSpec(key), let b = brokers[id] else { return nil }
        var synonyms: [(name: String, value: String?, source: SimConfigSource)] = []
        if let v = b.configs[key] { synonyms.append((key, v, .dynamicBroker)) }
        if let v = clusterDefaults[key] { synonyms.append((key, v, .dynamicDefaultBroker)) }
        let staticValue: String? = switch key {
        case "broker.rack": b.rack
        case "node.id": String(id)
        default: nil
        }
        if let staticValue { synonyms.append((key, staticValue, .staticBroker)) }
        if let d = s.defaultValue { synonyms.append((key, d, .defaultConfig)) }
        if settings.profile.throttleRatesReadAsSensitive, ConfigCatalog.throttleRateKeys.contains(key) {
            let set = synonyms.filter { $0.source != .defaultConfig }
            guard let top = set.first else { return nil }
            return SimConfigEntry(name: key, value: nil, readOnly: s.readOnly, isDefault: false, source: top.source, isSensitive: true,
                                  type: s.type, synonyms: set.map { ($0.name, nil, $0.source) })
        }
        guard let top = synonyms.first else {
            return SimConfigEntry(name: key, value: nil, readOnly: s.readOnly, isDefault: true, source: .defaultConfig, type: s.type)
        }
        return SimConfigEntry(name: key, value: top.value, readOnly: s.readOnly, isDefault: top.source == .defaultConfig,
                              source: top.source, type: s.type, synonyms: synonyms)
    }
}
