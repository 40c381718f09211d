/// A mutable list of values. Lists are shared by reference, like Python's.
///
/// Lists made under a memory limit are a subclass that carries the charge
/// (`ChargedListObject`), so the others stay one 32-byte malloc chunk; every member is `final`.
public class ListObject {
    @exclusivity(unchecked) public final var items: [Value]

    @inlinable public init(_ items: [Value] = []) { self.items = items }

    /// Appends, growing by half again rather than doubling: long lists built by `push` waste
    /// less memory (and the old and new buffers held during a resize are smaller).
    @inline(__always) public final func append(_ v: Value) {
        if items.count == items.capacity { items.reserveCapacity(items.count + items.count / 2 + 4) }
        items.append(v)
    }

    /// Resolves a possibly negative index (from the end) to a valid position, or nil.
    @inline(__always) public final func position(_ index: Int) -> Int? {
        let i = index < 0 ? index + items.count : index
        return i >= 0 && i < items.count ? i : nil
    }
}
