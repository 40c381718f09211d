/// One server-sent event (the text/event-stream format): OpenAI streams send only `data:`
/// lines; Anthropic's put an `event:` line before each.
public struct ServerSentEvent: Sendable, Equatable {
    /// The `event:` field; nil when the event had none (the default type, "message").
    public var event: String?
    /// The `data:` lines joined with "\n".
    public var data: String
    public var id: String?

    public init(event: String? = nil, data: String, id: String? = nil) {
        self.event = event
        self.data = data
        self.id = id
    }
}
