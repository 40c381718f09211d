import Foundation

/// One turn of a conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// Renders messages in a model's chat format. The family is recognized from the Jinja source
/// in `tokenizer.chat_template` by its marker tokens; the template is not executed.
public struct ChatTemplate: Sendable, Equatable {
    public enum Family: String, Sendable, CaseIterable {
        case chatML = "chatml", llama3, gemma, mistral
    }

    public let family: Family
    /// The system prompt the template inserts when the conversation has none (SmolLM2 and
    /// Qwen templates do), taken from the template's own text.
    public let defaultSystemPrompt: String?
    /// Set when the template was not recognized and ChatML is used instead.
    public let warning: String?

    public init(family: Family, defaultSystemPrompt: String? = nil, warning: String? = nil) {
        self.family = family
        self.defaultSystemPrompt = defaultSystemPrompt
        self.warning = warning
    }

    /// Detects the family of a Jinja chat template.
    public init(template: String?) {
        guard let t = template, !t.isEmpty else {
            self.init(family: .chatML, warning: "the model has no chat template; using ChatML")
            return
        }
        if t.contains("<|im_start|>") {
            self.init(family: .chatML, defaultSystemPrompt: Self.literalSystemPrompt(in: t))
        } else if t.contains("<|start_header_id|>") {
            self.init(family: .llama3)
        } else if t.contains("<start_of_turn>") {
            self.init(family: .gemma)
        } else if t.contains("[INST]") {
            self.init(family: .mistral)
        } else {
            self.init(family: .chatML, warning: "unrecognized chat template; using ChatML")
        }
    }

    public init(file: GGUFFile) {
        self.init(template: file[GGUFKey.chatTemplate]?.string)
    }

    /// The prompt text for `messages`; with `addGenerationPrompt`, it ends where the
    /// assistant's reply begins.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        switch family {
        case .chatML:
            if let system = defaultSystemPrompt, messages.first?.role != "system" {
                out += "<|im_start|>system\n\(system)<|im_end|>\n"
            }
            for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
            if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        case .llama3:
            for m in messages { out += "<|start_header_id|>\(m.role)<|end_header_id|>\n\n\(m.content)<|eot_id|>" }
            if addGenerationPrompt { out += "<|start_header_id|>assistant<|end_header_id|>\n\n" }
        case .gemma:
            // Gemma has no system role: the system text opens the first user turn.
            var pendingSystem = ""
            for m in messages {
                if m.role == "system" { pendingSystem += m.content + "\n\n"; continue }
                let role = m.role == "assistant" ? "model" : m.role
                out += "<start_of_turn>\(role)\n\(pendingSystem)\(m.content)<end_of_turn>\n"
                pendingSystem = ""
            }
            if addGenerationPrompt { out += "<start_of_turn>model\n" }
        case .mistral:
            var pendingSystem = ""
            for m in messages {
                switch m.role {
                case "system": pendingSystem += m.content + "\n\n"
                case "assistant": out += " \(m.content)</s>"
                default:
                    out += "[INST] \(pendingSystem)\(m.content) [/INST]"
                    pendingSystem = ""
                }
            }
        }
        return out
    }

    /// The text of a `'<|im_start|>system\n…<|im_end|>'` string literal in the template, if any.
    static func literalSystemPrompt(in template: String) -> String? {
        for marker in ["'<|im_start|>system\\n", "\"<|im_start|>system\\n"] {
            guard let start = template.range(of: marker),
                  let end = template.range(of: "<|im_end|>", range: start.upperBound..<template.endIndex) else { continue }
            let text = String(template[start.upperBound..<end.lowerBound])
            if !text.contains("{") && !text.contains("'") { return text }
        }
        return nil
    }
}
