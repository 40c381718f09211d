import QuillLanguage
import QuillLLM

/// What a script passes as a prompt, made into an `LLMInput`: a string (one user message,
/// or raw text with `raw: true`), a `prompt` declaration's value, one message map, or a list
/// of messages and prompts.
struct ModelInput {
    var input: LLMInput
    /// The prompt declaration's template hash, when the input came from one.
    var templateHash: String?

    static let roles: Set<String> = ["system", "user", "assistant"]

    init(_ value: Value, function: String, argument: String, raw: Bool) throws {
        if case .string(let s) = value {
            input = raw ? .text(s.value) : .messages([.user(s.value)])
            return
        }
        var messages: [LLMMessage] = []
        var hash: String?
        try Self.collect(value, into: &messages, hash: &hash, function: function, argument: argument)
        guard !messages.isEmpty else {
            throw QuillError.value("\(function)() argument '\(argument)' has no messages")
        }
        input = raw ? .text(messages.map(\.content).joined(separator: "\n\n")) : .messages(messages)
        templateHash = hash
    }

    private static func collect(_ value: Value, into messages: inout [LLMMessage], hash: inout String?,
                                function: String, argument: String) throws {
        switch value {
        case .object(let prompt as PromptObject):
            hash = hash ?? prompt.templateHash
            for item in prompt.messages.items {
                try collect(item, into: &messages, hash: &hash, function: function, argument: argument)
            }
        case .map(let m):
            guard case .string(let role)? = m["role"], case .string(let content)? = m["content"] else {
                throw QuillError.type("\(function)(): a message is a map with 'role' and 'content' strings, like user(\"hi\"); got \(value.repr)")
            }
            guard roles.contains(role.value) else {
                throw QuillError.value("\(function)(): unknown message role '\(role.value)'; roles are system, user, assistant")
            }
            messages.append(LLMMessage(role: role.value, content: content.value))
        case .list(let l):
            for item in l.items {
                if case .list = item {
                    throw QuillError.type("\(function)(): messages are maps or prompts, not nested lists")
                }
                try collect(item, into: &messages, hash: &hash, function: function, argument: argument)
            }
        case .string(let s):
            messages.append(.user(s.value))
        default:
            throw QuillError.type("\(function)() argument '\(argument)' must be a string, a prompt, a message or a list of messages, not \(value.typeName)")
        }
    }
}
