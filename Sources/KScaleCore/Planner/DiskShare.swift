/// Disks of different sizes (docs/planner.md, "Disks of different sizes"): when every broker of a
/// balance group has a `disk_total_bytes` and they differ, bytes are balanced as shares of each
/// broker's disk, not as raw bytes. A broker's goal is the group's bytes times its disk over the
/// group's disk; its offset is that goal minus the group's mean. The replica phases and the
/// network-in exchanges measure a broker's bytes less its offset, so "even" means "at the same
/// share of its disk" while every exchange still shifts the same bytes off one broker and onto
/// another. Offsets sum to 0 over the group, so the mean is unchanged; with equal or unknown
/// disks they are all 0 and nothing changes.
extension Layout {
    /// Per member (in `members` order), its bytes above the group's mean when `total` is spread
    /// in proportion to disk.
    func diskShareOffsets(_ members: [BrokerIndex], total: Int64) -> [Int64] {
        let disks = members.compactMap { disk[$0] }.filter { $0 > 0 }
        guard disks.count == members.count, let smallest = disks.min(), let largest = disks.max(), smallest != largest else {
            return [Int64](repeating: 0, count: members.count)
        }
        let diskTotal = disks.reduce(0.0) { $0 + Double($1) }
        let mean = Double(total) / Double(members.count)
        var offsets = disks.map { Int64((Double(total) * Double($0) / diskTotal - mean).rounded()) }
        // Rounding may leave the sum a few bytes off 0; the first member takes the difference.
        offsets[0] -= offsets.reduce(0, +)
        return offsets
    }
}
