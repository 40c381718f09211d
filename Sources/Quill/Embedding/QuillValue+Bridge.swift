import QuillLanguage

/// Conversions between the VM's `Value` and the host's `QuillValue`. They run on the runtime's
/// thread: VM values are shared mutable objects that only that thread may touch.
extension QuillValue {
    /// Copies a VM value out. Lists and maps are copied deeply; a list that contains itself is a
    /// `ValueError` rather than an endless copy. Values with no host form become references
    /// owned by `owner` (nil: plain snapshot, used for data that never goes back).
    init(bridging value: QuillLanguage.Value, owner: ObjectIdentifier? = nil) throws {
        var visiting = Set<ObjectIdentifier>()
        self = try Self.bridge(value, owner: owner, visiting: &visiting)
    }

    private static func bridge(_ value: QuillLanguage.Value, owner: ObjectIdentifier?, visiting: inout Set<ObjectIdentifier>) throws -> QuillValue {
        switch value {
        case .nil: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .float(let d): return .double(d)
        case .string(let s): return .string(s.value)
        case .list(let list):
            let id = ObjectIdentifier(list)
            guard visiting.insert(id).inserted else { throw cycle("list") }
            defer { visiting.remove(id) }
            return .list(try list.items.map { try bridge($0, owner: owner, visiting: &visiting) })
        case .map(let map):
            let id = ObjectIdentifier(map)
            guard visiting.insert(id).inserted else { throw cycle("map") }
            defer { visiting.remove(id) }
            var result = QuillMap()
            for (key, item) in map.entries {
                result[key.stringValue ?? key.description] = try bridge(item, owner: owner, visiting: &visiting)
            }
            return .map(result)
        case .object(let box as HostObjectBox):
            return .object(box.object)
        default:
            guard let owner else {
                throw QuillError.type("a \(value.typeName) cannot leave the runtime", hint: "return data: numbers, strings, lists or maps")
            }
            return .reference(QuillReference(value, owner: owner))
        }
    }

    private static func cycle(_ kind: String) -> QuillError {
        QuillError.value("a \(kind) that contains itself cannot be handed to the host")
    }

    /// Makes a VM value. References must come from the runtime `owner` identifies.
    func vmValue(owner: ObjectIdentifier) throws -> QuillLanguage.Value {
        switch self {
        case .nil: return .nil
        case .bool(let b): return .bool(b)
        case .int(let i): return .int(i)
        case .double(let d): return .float(d)
        case .string(let s): return .str(s)
        case .list(let items): return .list(ListObject(try items.map { try $0.vmValue(owner: owner) }))
        case .map(let map):
            return .map(MapObject(try map.map { (QuillLanguage.Value.str($0.key), try $0.value.vmValue(owner: owner)) }))
        case .object(let object): return .object(HostObjectBox(object))
        case .reference(let reference):
            guard reference.owner == owner else {
                throw QuillError.value("this \(reference.typeName) belongs to another runtime",
                                       hint: "references can only be passed back to the runtime that returned them")
            }
            return reference.value
        }
    }
}
