/// The value a `prompt` declaration returns when called: its rendered messages and version.
///
/// Model calls accept it wherever messages are accepted; the template hash travels with it so
/// every logged call says which prompt version produced it.
public final class PromptObject: NativeObject {
    public let name: String
    /// The first 12 hex digits of the SHA-256 of the declaration's source.
    public let templateHash: String
    /// `[{role: "system", content: "..."}, ...]`
    public let messages: ListObject
    /// The arguments the template was called with, by parameter name.
    public let arguments: MapObject

    public init(name: String, templateHash: String, messages: ListObject, arguments: MapObject) {
        self.name = name
        self.templateHash = templateHash
        self.messages = messages
        self.arguments = arguments
    }

    public override var typeName: String { "prompt" }
    public override var description: String { "<prompt \(name) #\(templateHash)>" }
    public override var memberNames: [String] { ["name", "hash", "messages", "args", "text"] }

    public override func member(_ name: String, vm: VM) throws -> Value? {
        switch name {
        case "name": return .str(self.name)
        case "hash": return .str(templateHash)
        case "messages": return .list(messages)
        case "args": return .map(arguments)
        case "text": return .str(text)
        default: return nil
        }
    }

    /// The messages' contents joined by blank lines (how a prompt reads as plain text).
    public var text: String {
        messages.items.compactMap { item -> String? in
            guard case .map(let m) = item else { return nil }
            return m["content"]?.description
        }.joined(separator: "\n\n")
    }
}
