import Foundation
import QuillLanguage
import QuillLLM

/// The monitoring built-ins: `on(kind, fn)` / `off(handle)` (hooks), `set_price`, `usage()`,
/// `cost()`, `budget(usd:, model:)` and `estimate(fn)`; and the scope `batch` makes for its
/// calls (a span, and a budget with `batch(…, budget: usd)`).
enum MonitoringLibrary {
    static func install(into vm: VM, monitor: CallMonitor, hooks: ScriptHooks) {
        vm.makeBatchScope = { value in
            if value.isNil { return BatchScope(limit: nil) }
            let usd = try dollars(value, "batch() argument 'budget'")
            return BatchScope(limit: SpendLimit(limit: usd, scope: "this batch"))
        }
        let kinds = CallEvent.Kind.allCases.map(\.rawValue)
        vm.defineGlobal("on", .native(NativeFunction("on", ["event", "fn"]) { args in
            let name = try args.string(0)
            guard let kind = CallEvent.Kind(rawValue: name) else {
                throw QuillError.value("on(): unknown event \"\(name)\"; events are \(kinds.joined(separator: ", "))",
                                       hint: Suggestion.hint(for: name, in: kinds))
            }
            return .int(hooks.add(kind, try args.callable(1)))
        }))
        vm.defineGlobal("off", .native(NativeFunction("off", ["handle"]) { args in
            .bool(hooks.remove(try args.int(0)))
        }))
        vm.defineGlobal("set_price", .native(NativeFunction(
            "set_price", ["model", "input", "output", "cache_read", "cache_write", "per_hour"], required: 1) { args in
            let spec = try args.string(0)
            func price(_ i: Int) throws -> Decimal? { args.has(i) ? try dollars(args[i], "set_price() argument '\(args.paramName(i))'") : nil }
            let perHour = try price(5)
            guard let input = try price(1) ?? (perHour != nil ? 0 : nil), let output = try price(2) ?? (perHour != nil ? 0 : nil) else {
                throw QuillError.value("set_price(\"\(spec)\"): give input: and output: (dollars per million tokens), or per_hour: for local compute")
            }
            monitor.prices.set(spec, ModelPrice(input: input, output: output, cacheRead: try price(3),
                                                cacheWrite: try price(4), perHour: perHour))
            return .nil
        }))
        vm.defineGlobal("usage", .native(NativeFunction("usage", []) { _ in
            let m = MapObject()
            for (model, t) in monitor.ledger.byModel.sorted(by: { $0.key < $1.key }) { m.set(.str(model), totals(t)) }
            return .map(m)
        }))
        vm.defineGlobal("cost", .native(NativeFunction("cost", ["model"], required: 0) { args in
            let t = args.has(0) ? monitor.ledger.byModel[try args.string(0)] ?? CostLedger.Totals() : monitor.ledger.total
            return t.knownCost.map { .float(Money.double($0)) } ?? .nil
        }))
        vm.defineGlobal("budget", .native(NativeFunction("budget", ["usd", "model"], required: 0) { args in
            let model = args.has(1) ? try args.string(1) : nil
            if args.has(0) {
                monitor.setLimit(try dollars(args[0], "budget() argument 'usd'"), model: model)
            }
            guard let limit = monitor.spendLimits.first(where: { $0.model == model }) else { return .nil }
            return .map(MapObject([
                (.str("limit"), .float(Money.double(limit.limit))), (.str("spent"), .float(Money.double(limit.spent))),
                (.str("held"), .float(Money.double(limit.held))), (.str("remaining"), .float(Money.double(limit.remaining))),
            ]))
        }))
        vm.defineGlobal("estimate", .native(NativeFunction("estimate", ["fn"]) { args in
            let function = try args.callable(0)
            let collector = CostEstimate(collectingFrom: monitor.bus)
            let wasDry = monitor.dryRun
            monitor.dryRun = true
            defer {
                monitor.dryRun = wasDry
                collector.stop()
            }
            _ = try args.vm.call(function, [])
            return estimateMap(collector)
        }))
    }

    /// A price or budget in dollars: a non-negative number, kept as the decimal it was written as.
    static func dollars(_ value: Value, _ what: String) throws -> Decimal {
        let amount: Decimal
        switch value {
        case .int(let i): amount = Decimal(i)
        case .float(let d) where d.isFinite: amount = Money.decimal(d)
        default: throw QuillError.type("\(what) must be a number of dollars, not \(value.typeName)")
        }
        guard amount >= 0 else { throw QuillError.value("\(what) must not be negative, got \(Money.format(amount))") }
        return amount
    }

    static func totals(_ t: CostLedger.Totals) -> Value {
        .map(MapObject([
            (.str("calls"), .int(t.calls)), (.str("errors"), .int(t.errors)), (.str("cache_hits"), .int(t.cacheHits)),
            (.str("input_tokens"), .int(t.inputTokens)), (.str("output_tokens"), .int(t.outputTokens)),
            (.str("cached_input_tokens"), .int(t.cachedInputTokens)), (.str("cache_write_tokens"), .int(t.cacheWriteTokens)),
            (.str("cost"), t.knownCost.map { .float(Money.double($0)) } ?? .nil), (.str("unpriced_calls"), .int(t.unpricedCalls)),
            (.str("seconds"), .float(t.seconds)),
        ]))
    }

    static func estimateMap(_ e: CostEstimate) -> Value {
        func line(_ l: CostEstimate.Line) -> MapObject {
            MapObject([
                (.str("calls"), .int(l.calls)), (.str("input_tokens"), .int(l.inputTokens)),
                (.str("max_output_tokens"), .int(l.maxOutputTokens)),
                (.str("cost"), l.unpriced > 0 ? .nil : .float(Money.double(l.cost))), (.str("unpriced_calls"), .int(l.unpriced)),
            ])
        }
        let m = line(e.total)
        let models = MapObject()
        for (model, l) in e.byModel.sorted(by: { $0.key < $1.key }) { models.set(.str(model), .map(line(l))) }
        m.set(.str("by_model"), .map(models))
        return .map(m)
    }
}
