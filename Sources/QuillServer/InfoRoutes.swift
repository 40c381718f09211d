import Hummingbird
import QuillEngine

/// The routes that describe the server rather than run a model: `GET /v1/models`,
/// `GET /v1/models/{id}`, `GET /health` and `GET /metrics`.
struct InfoRoutes {
    let state: ServerState

    /// OpenAI's model object, with the model's context length and embedding size as extras.
    func modelObject(_ entry: ModelRegistry.Entry) -> JSONValue {
        let config = entry.engine.transformer.config
        return .object([
            ("id", .string(entry.id)), ("object", .string("model")), ("created", .int(entry.created)),
            ("owned_by", .string("quill")), ("context_length", .int(config.contextLength)),
            ("embedding_dimensions", .int(config.embeddingLength)),
        ])
    }

    func models(_ request: Request) -> Response {
        .json(.object([("object", .string("list")), ("data", .array(state.registry.entries.map(modelObject)))]))
    }

    func model(_ request: Request, id: String) throws -> Response {
        .json(modelObject(try state.registry.resolve(id)))
    }

    /// Liveness: the server answers and its models are loaded (they load before it listens).
    func health(_ request: Request) -> Response {
        .json(.object([("status", .string("ok")), ("models", .array(state.registry.ids.map(JSONValue.string)))]))
    }

    func metrics(_ request: Request) -> Response {
        MetricsEndpoint.response(state.metrics.render())
    }
}
