/// What `value.name` can read, for tools outside the VM (the REPL's completion).
///
/// The method tables of strings, lists and maps stay internal to the language; these accessors
/// expose only names and lookups, never a way to change them.
extension Value {
    /// The fields an error value exposes (`e.message`, `e.kind`, ...); `VM.member(of:named:)` reads them.
    static let errorFieldNames = ["message", "kind", "location", "trace", "value", "hint"]

    /// The built-in methods of this value's type by name: those of strings, lists or maps, and
    /// none for other types. The functions are unbound; their `parameters` name the arguments.
    public var builtinMethods: [String: NativeFunction] {
        switch self {
        case .string: return StringMethods.table
        case .list: return ListMethods.table
        case .map: return MapMethods.table
        default: return [:]
        }
    }

    /// Every name `value.name` may read: a map's string keys and methods, an error's fields, a
    /// function's `name`, an object's `memberNames`, a string's or list's methods. Unsorted;
    /// a map key that is also a method name appears once.
    public var memberNames: [String] {
        switch self {
        case .map(let m):
            var names = Set(MapMethods.table.keys)
            for key in m.keys { if let s = key.stringValue { names.insert(s) } }
            return Array(names)
        case .error:
            return Self.errorFieldNames
        case .function, .native:
            return ["name"]
        case .object(let o):
            return o.memberNames
        default:
            return Array(builtinMethods.keys)
        }
    }
}

extension VM {
    /// `value.name` if it can be read, else nil: the same lookup as the `.` operator, with the
    /// error swallowed. It calls no Quill code, but an object's `member(_:vm:)` runs whatever
    /// its host class does to produce the member.
    public func memberIfPresent(of value: Value, named name: String) -> Value? {
        try? member(of: value, named: .str(name))
    }
}
