/// The base class of host objects a script can hold: ranges, modules, prompts, model handles.
///
/// Subclasses override what they support; the defaults answer "no such member".
open class NativeObject {
    public init() {}

    /// The name `type(x)` returns.
    open var typeName: String { "object" }

    /// How `str(x)` and `print(x)` show the object.
    open var description: String { "<\(typeName)>" }

    /// Reads `obj.name`: a field value, or a method as a bound native function (`obj.name(...)`
    /// calls what this returns); nil when there is no such member.
    open func member(_ name: String, vm: VM) throws -> Value? { nil }

    /// Writes `obj.name = value`; false when the member cannot be set.
    open func setMember(_ name: String, to value: Value, vm: VM) throws -> Bool { false }

    /// The names of fields and methods, for completion and "did you mean" hints.
    open var memberNames: [String] { [] }

    /// An iterator for `for x in obj`, or nil when the object is not iterable.
    open func makeIterator() -> NativeIterator? { nil }
}

/// Produces the values of a `for` loop over a native object.
open class NativeIterator: NativeObject {
    /// The next value, or nil at the end.
    open func next() throws -> Value? { nil }
}
