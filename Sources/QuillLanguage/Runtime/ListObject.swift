/// A mutable list of values. Lists are shared by reference, like Python's.
public final class ListObject {
    @exclusivity(unchecked) public var items: [Value]
    /// The bytes this list is charged under a memory limit (see `MemoryMeter`); nil otherwise.
    @exclusivity(unchecked) var charge: MemoryCharge?

    @inlinable public init(_ items: [Value] = []) { self.items = items }

    /// A list made under a memory limit; a nil charge is an uncharged list.
    init(_ items: [Value], charge: MemoryCharge?) {
        self.items = items
        self.charge = charge
    }

    /// Appends, growing by half again rather than doubling: long lists built by `push` waste
    /// less memory (and the old and new buffers held during a resize are smaller).
    @inline(__always) public func append(_ v: Value) {
        if items.count == items.capacity { items.reserveCapacity(items.count + items.count / 2 + 4) }
        items.append(v)
    }

    /// Resolves a possibly negative index (from the end) to a valid position, or nil.
    @inline(__always) public func position(_ index: Int) -> Int? {
        let i = index < 0 ? index + items.count : index
        return i >= 0 && i < items.count ? i : nil
    }
}
