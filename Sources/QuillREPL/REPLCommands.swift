import Foundation
import Quill
import QuillEngine

/// The REPL's `:commands`. Each takes the rest of the line as its argument.
enum REPLCommands {
    struct Command {
        let name: String
        let usage: String
        let summary: String
    }

    static let all: [Command] = [
        Command(name: "help", usage: ":help [NAME]", summary: "these commands, or a built-in's parameters"),
        Command(name: "models", usage: ":models", summary: "local models and the catalog"),
        Command(name: "model", usage: ":model [SPEC]", summary: "make a model the session default (model(), :tokens) and bind it to m"),
        Command(name: "cost", usage: ":cost", summary: "what the session's model calls cost"),
        Command(name: "usage", usage: ":usage", summary: "calls, tokens and cost by model"),
        Command(name: "tokens", usage: ":tokens EXPR", summary: "the token count of a text or prompt with the session model"),
        Command(name: "time", usage: ":time EXPR", summary: "evaluate and print how long it took"),
        Command(name: "trace", usage: ":trace", summary: "the last model call: request, response, timing, tokens, cost"),
        Command(name: "schema", usage: ":schema [EXPR]", summary: "the last call's output constraint, or a JSON schema for a value"),
        Command(name: "load", usage: ":load FILE", summary: "run a script in this session (its bindings stay)"),
        Command(name: "save", usage: ":save FILE", summary: "write this session's inputs as a script"),
        Command(name: "reset", usage: ":reset", summary: "forget every binding and start over"),
        Command(name: "quit", usage: ":quit", summary: "leave (also Ctrl-D)"),
    ]

    /// `:help` and friends with their colon, for completion.
    static var names: [String] { all.map { ":" + $0.name } }

    static func run(_ line: String, in session: REPLSession) -> REPLSession.Outcome {
        let body = line.dropFirst()
        let name = String(body.prefix { !$0.isWhitespace })
        let argument = body.dropFirst(name.count).trimmingCharacters(in: .whitespaces)
        let say = { session.write($0 + "\n") }
        switch name {
        case "help":
            return help(argument, session)
        case "quit", "q", "exit":
            return .exit(0)
        case "models":
            let store = ModelStore()
            say("Local models in \(store.modelsDirectory):")
            for path in store.localModels() { say("  local:" + ((path as NSString).lastPathComponent as NSString).deletingPathExtension) }
            say("Catalog (quill pull NAME; then model(\"local:NAME\")):")
            for model in ModelCatalog.models { say("  \(model.name.padding(toLength: 20, withPad: " ", startingAt: 0)) \(model.summary)") }
        case "model":
            guard !argument.isEmpty else {
                say("the session's default model is \(session.defaultModel); :model SPEC sets another")
                return .ok
            }
            let spec = argument.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            // Opened first, so a spec that cannot be opened leaves the default as it was.
            let open = "let m = model(\(Value.str(spec).repr))"
            let outcome = session.run(code: open, record: false, printValue: false)
            guard outcome == .ok else { return outcome }
            session.defaultModel = spec
            // A script cannot set the default: the saved input says what the session did.
            session.record("# :model \(spec) (the session's default model from here on)\n" + open)
            say("m = model(\"\(spec)\"), the session's default model (model() and :tokens use it)")
            return .ok
        case "cost":
            let total = session.runtime.monitor.ledger.total
            say(total.knownCost.map { "$" + Money.format($0) } ?? "unknown (\(total.unpricedCalls) calls without a price; set_price)")
        case "usage":
            let byModel = session.runtime.monitor.ledger.byModel
            if byModel.isEmpty { say("no model calls yet") }
            for (model, t) in byModel.sorted(by: { $0.key < $1.key }) {
                say("\(model): \(t.calls) calls, \(t.inputTokens) in / \(t.outputTokens) out tokens, "
                    + "\(t.knownCost.map { "$" + Money.format($0) } ?? "cost unknown"), \(String(format: "%.2f", t.seconds)) s")
            }
        case "tokens":
            guard !argument.isEmpty else { say("usage: :tokens EXPR"); return .ok }
            return session.run(code: "model().count_tokens(\(argument))", record: false)
        case "time":
            guard !argument.isEmpty else { say("usage: :time EXPR"); return .ok }
            let start = Date()
            let outcome = session.run(code: argument, record: true)
            say(String(format: "%.3f s", Date().timeIntervalSince(start)))
            return outcome
        case "trace":
            guard let event = session.lastCall.value else { say("no model call yet"); return .ok }
            say(pretty(event.json))
        case "schema":
            if argument.isEmpty {
                guard let event = session.lastCall.value else { say("no model call yet"); return .ok }
                say(event.constraint.map { pretty($0.json) } ?? "the last call had no output constraint")
            } else {
                guard let value = session.value(of: argument) else { return .failed }
                say(pretty(SchemaSketch.schema(for: value)))
            }
        case "load":
            guard !argument.isEmpty else { say("usage: :load FILE"); return .ok }
            do {
                let source = try FileIO.readText(argument)
                return session.run(code: source, record: true, printValue: false, name: argument)
            } catch let e as QuillError {
                session.writeError("\(e.message)\n")
                return .failed
            } catch {
                session.writeError("\(error)\n")
                return .failed
            }
        case "save":
            guard !argument.isEmpty else { say("usage: :save FILE"); return .ok }
            do {
                try FileIO.writeText(argument, session.inputs.joined(separator: "\n") + "\n")
                say("saved \(session.inputs.count) inputs to \(argument)")
            } catch let e as QuillError {
                session.writeError("\(e.message)\n")
                return .failed
            } catch {
                session.writeError("could not write \(argument): \(error)\n")
                return .failed
            }
        case "reset":
            session.reset()
            say("a fresh session")
        default:
            let hint = Suggestion.hint(for: ":" + name, in: names).map { " (\($0))" } ?? ""
            session.writeError("unknown command :\(name)\(hint); :help lists them\n")
            return .failed
        }
        return .ok
    }

    private static func help(_ topic: String, _ session: REPLSession) -> REPLSession.Outcome {
        let say = { session.write($0 + "\n") }
        if topic.isEmpty {
            say("Type Quill code; an expression's value is printed and kept in `_`. Unclosed brackets, strings")
            say("and blocks continue on the next line (a blank line ends them). Tab completes; Ctrl-R searches")
            say("history; Ctrl-C cancels the line or a running generation; Ctrl-D leaves.")
            for c in all { say("  " + c.usage.padding(toLength: 16, withPad: " ", startingAt: 0) + c.summary) }
            return .ok
        }
        // `:help :model` is the command; `:help model` the built-in, and the command of that name too.
        let isCommand = topic.hasPrefix(":")
        let name = isCommand ? String(topic.dropFirst()) : topic
        var found = false
        if !isCommand, let value = session.module[name] ?? session.runtime.vm.builtins[name] {
            if case .native(let f) = value {
                say("\(f.name)(\(f.parameters.joined(separator: ", ")))")
            } else {
                say("\(name): \(value.typeName)")
            }
            found = true
        }
        if let c = all.first(where: { $0.name == name }) {
            say("\(c.usage)  \(c.summary)")
            found = true
        }
        guard found else {
            session.writeError("no command or built-in named '\(name)'\n")
            return .failed
        }
        return .ok
    }

    static func pretty(_ json: JSONValue) -> String {
        (try? JSON.encode(Value(json: json), indent: 2)) ?? json.serialized
    }
}
