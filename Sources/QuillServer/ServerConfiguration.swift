/// A local model the server serves: the id clients name it by and its GGUF file.
public struct ServedModel: Sendable, Equatable {
    /// What requests put in `model` (`smollm2`), as given on the command line.
    public var id: String
    /// The GGUF file.
    public var path: String

    public init(id: String, path: String) {
        self.id = id
        self.path = path
    }
}

/// How `quill serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    /// The address to bind (`127.0.0.1` keeps the server on this machine).
    public var host: String
    /// The TCP port; 0 lets the system pick a free one (reported by `onListening`).
    public var port: Int
    /// When set, every API request must carry this key (`Authorization: Bearer KEY`, or
    /// `x-api-key: KEY` for the Anthropic endpoint); `/health` and `/metrics` stay open.
    public var apiKey: String?
    /// Request bodies larger than this are refused with 413.
    public var maxBodyBytes: Int
    /// Tokens generated when a request sets no limit (the OpenAI APIs let clients omit it).
    public var defaultMaxTokens: Int
    /// Largest `n` (choices per request) accepted; choices are decoded together.
    public var maxChoices: Int
    /// The models served, by id; the first one is listed first by `/v1/models`.
    public var models: [ServedModel]

    public init(host: String = "127.0.0.1", port: Int = 8080, apiKey: String? = nil, maxBodyBytes: Int = 4 << 20,
                defaultMaxTokens: Int = 1024, maxChoices: Int = 16, models: [ServedModel]) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.maxBodyBytes = maxBodyBytes
        self.defaultMaxTokens = defaultMaxTokens
        self.maxChoices = maxChoices
        self.models = models
    }
}
