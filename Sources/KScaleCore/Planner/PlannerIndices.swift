/// Dense indices of the planner's flat arrays, one type per kind of thing, so a broker index can
/// never be used where a slot (one replica position), a partition, a topic or a balance group is
/// meant: `DenseIndex<IndexKind.Broker>` and `DenseIndex<IndexKind.Slot>` are different types.
/// Each wraps the `Int32` the arrays store (a million-replica cluster keeps its layout in a few
/// flat arrays of 4-byte entries); in release builds they compile to plain integers.
struct DenseIndex<Kind>: Strideable, Hashable, CustomStringConvertible {
    let rawValue: Int32

    init(rawValue: Int32) { self.rawValue = rawValue }

    /// The index for position `position` of its arrays (traps beyond `Int32`, as the arrays would).
    @inline(__always) init(_ position: Int) { rawValue = Int32(position) }

    /// The position in the arrays this index addresses.
    @inline(__always) var position: Int { Int(rawValue) }

    @inline(__always) func distance(to other: Self) -> Int { Int(other.rawValue) - Int(rawValue) }
    @inline(__always) func advanced(by n: Int) -> Self { Self(Int(rawValue) + n) }
    @inline(__always) static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    var description: String { String(rawValue) }
}

/// The kinds of things the planner indexes (types only, never values).
enum IndexKind {
    /// A broker: position in `Layout.brokerIDs` (brokers sorted by id).
    enum Broker {}
    /// A slot: one replica position of one partition (partition `p`'s replicas are the slots
    /// `Layout.slots(of: p)`, in replica order, the first the preferred leader).
    enum Slot {}
    /// A partition: position in `Layout.names` (topic name, then partition number).
    enum Partition {}
    /// A topic: position in topic-name order (`TopicSpread.topic(of:)`).
    enum Topic {}
    /// A balance group: the target brokers whose replica counts are balanced against each other
    /// (one rack when racks hold fixed shares, else all targets; see `BalanceGroups`).
    enum Group {}
}

typealias BrokerIndex = DenseIndex<IndexKind.Broker>
typealias SlotIndex = DenseIndex<IndexKind.Slot>
typealias PartitionIndex = DenseIndex<IndexKind.Partition>
typealias TopicIndex = DenseIndex<IndexKind.Topic>
typealias GroupIndex = DenseIndex<IndexKind.Group>

/// An array addressed only by one kind of index: `PerBroker<Int>` takes a `BrokerIndex`, and
/// indexing it with a `SlotIndex` does not compile.
struct IndexedArray<Kind, Element> {
    typealias Index = DenseIndex<Kind>

    var values: [Element]

    init(_ values: [Element]) { self.values = values }
    init(repeating value: Element, count: Int) { values = [Element](repeating: value, count: count) }

    @inline(__always) subscript(_ index: Index) -> Element {
        get { values[index.position] }
        // In place, so a nested array (`PerBroker<[SlotIndex]>`) is changed without a copy.
        _modify { yield &values[index.position] }
    }

    var count: Int { values.count }
    var indices: Range<Index> { Index(0)..<Index(values.count) }
}

extension IndexedArray: Equatable where Element: Equatable {}
extension IndexedArray: Sendable where Element: Sendable {}

typealias PerBroker<Element> = IndexedArray<IndexKind.Broker, Element>
typealias PerSlot<Element> = IndexedArray<IndexKind.Slot, Element>
typealias PerPartition<Element> = IndexedArray<IndexKind.Partition, Element>
typealias PerTopic<Element> = IndexedArray<IndexKind.Topic, Element>
typealias PerGroup<Element> = IndexedArray<IndexKind.Group, Element>

/// A value per (topic, balance group), flat: `topic * groups + group`.
struct PerTopicGroup<Element> {
    private var values: [Element]
    private let groups: Int

    init(repeating value: Element, topics: Int, groups: Int) {
        values = [Element](repeating: value, count: topics * groups)
        self.groups = groups
    }

    @inline(__always) subscript(_ topic: TopicIndex, _ group: GroupIndex) -> Element {
        get { values[topic.position * groups + group.position] }
        _modify { yield &values[topic.position * groups + group.position] }
    }
}
