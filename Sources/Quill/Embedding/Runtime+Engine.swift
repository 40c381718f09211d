import Foundation
import QuillLanguage
import QuillLLM
import QuillEngine

extension Runtime {
    /// The runtime's VM side: the wired `QuillRuntime`, the session module that top-level
    /// bindings live in, and the per-call output meter. Used only on the runtime's thread
    /// (hence `@unchecked Sendable`: the thread is the lock).
    final class Engine: @unchecked Sendable {
        let quill: QuillRuntime
        let module = Module(name: "<runtime>", file: nil)
        /// Where problems that do not stop a script go (`Configuration.diagnostics`).
        let report: @Sendable (String) -> Void
        private let outputLimit: Int?
        private var outputWritten = 0

        var vm: VM { quill.vm }
        var interruption: Interruption { quill.vm.interruption }
        var owner: ObjectIdentifier { HostBridge.owner(of: quill.vm) }

        init(_ configuration: Configuration) {
            var settings = QuillRuntime.Configuration()
            settings.arguments = configuration.arguments
            settings.modulePaths = configuration.modulePaths
            settings.stepLimit = configuration.limits.steps
            let factory = ModelFactory(store: ModelStore(home: configuration.modelHome), report: configuration.diagnostics)
            factory.hostProviders = configuration.hostModels
            if let spec = configuration.defaultModel { factory.defaultSpec = spec }
            settings.models = factory
            settings.responseCache = configuration.responseCache
            let report = configuration.diagnostics
            settings.monitor = CallMonitor(bus: EventBus(onFailure: { error, event in
                report("quill: an observer of '\(event.kind.rawValue)' failed: \(error)\n")
            }), warn: { report("quill: warning: \($0)\n") })
            settings.report = report
            for (spec, price) in configuration.prices { settings.monitor.prices.set(spec, price) }
            if let spend = configuration.limits.spend { settings.monitor.setLimit(spend) }
            if let observer = configuration.observer { _ = settings.monitor.bus.subscribe { observer($0) } }
            quill = QuillRuntime(configuration: settings)
            outputLimit = configuration.limits.output
            self.report = configuration.diagnostics
            let vm = quill.vm
            vm.capabilities = configuration.capabilities
            vm.fileAccess = FileAccess(readableRoots: configuration.readableDirectories,
                                       writableRoots: configuration.writableDirectories)
            vm.memoryLimit = configuration.limits.memory
            vm.maxCallDepth = configuration.limits.callDepth
            vm.moduleLoader.hostModules = configuration.moduleSource
            let sink = configuration.output
            vm.output = { [unowned self] text in self.write(text, to: sink) }
        }

        /// Readies the VM for a call: no pending interrupt, a full step budget, a fresh
        /// output allowance.
        func prepare() {
            interruption.clear()
            vm.resetStepCount()
            outputWritten = 0
        }

        /// Compiles `source` into the session module and runs it; the last expression's value.
        func execute(_ source: String, name: String) throws -> QuillValue {
            let file = SourceFile(name: name, text: source)
            let value = try vm.run(try vm.compile(file, into: module, interactive: true))
            return try QuillValue(bridging: value, owner: owner)
        }

        /// A session binding or a global, by name.
        func lookup(_ name: String) throws -> Value {
            if let value = module[name] ?? vm.builtins[name] { return value }
            throw QuillError("NameError", "no function or value named '\(name)' in this runtime",
                             hint: Suggestion.hint(for: name, in: module.bindingNames + vm.builtins.keys)
                                ?? "define it with run(source:) or register it first")
        }

        func call(_ function: Value, args: [QuillValue], named: [(String, QuillValue)]) throws -> QuillValue {
            let positional = try args.map { try $0.vmValue(owner: owner) }
            let names = named.map(\.0)
            let values = try named.map { try $0.1.vmValue(owner: owner) }
            let result = names.isEmpty ? try vm.call(function, positional)
                                       : try vm.callNamed(function, positional + values, names: names)
            return try QuillValue(bridging: result, owner: owner)
        }

        func define(_ name: String, _ value: Value) { vm.defineGlobal(name, value) }

        /// `print` output, cut at the per-call limit; going over stops the script.
        private func write(_ text: String, to sink: (String) -> Void) {
            guard let limit = outputLimit else { return sink(text) }
            let room = limit - outputWritten
            guard text.utf8.count > room else {
                outputWritten += text.utf8.count
                return sink(text)
            }
            if room > 0 { sink(String(decoding: text.utf8.prefix(room), as: UTF8.self)) }
            outputWritten = limit
            interruption.interrupt(QuillError("OutputLimitError", "the script printed more than its output limit of \(limit) bytes",
                                              hint: "the host sets it (Runtime.Limits.output)"))
        }
    }
}
