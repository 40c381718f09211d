import Foundation
import QuillLanguage

/// Runs host closures for the VM: converts arguments and results, turns Swift errors into
/// Quill errors, and waits for `async` bodies without holding the interpreter (so a `batch`
/// keeps running) while staying interruptible (a timeout or a cancelled host task ends the
/// wait at once, even if the host's closure never returns).
enum HostBridge {
    /// Identifies the runtime a VM belongs to: the module loader, which a runtime's `batch`
    /// tasks share with it and no other runtime has.
    static func owner(of vm: VM) -> ObjectIdentifier { ObjectIdentifier(vm.moduleLoader) }

    /// The native function scripts call for `function`.
    static func native(_ function: HostFunction, qualifiedName: String? = nil) -> NativeFunction {
        let name = qualifiedName ?? function.name
        let parameters = function.parameters
        let required = parameters.firstIndex { $0.defaultValue != nil } ?? parameters.count
        return NativeFunction(name, parameters.map(\.name), required: required) { args in
            let owner = owner(of: args.vm)
            var values: [QuillValue] = []
            for (i, parameter) in parameters.enumerated() {
                if i < args.count, !args[i].isNil {
                    values.append(try QuillValue(bridging: args[i], owner: owner))
                } else {
                    values.append(parameter.defaultValue ?? .nil)
                }
            }
            let arguments = HostArguments(function: name, names: parameters.map(\.name), values: values)
            let result: QuillValue
            switch function.implementation {
            case .sync(let body):
                result = try guarded(name) { try body(arguments) }
            case .async(let body):
                result = try awaitBody(name, vm: args.vm) { try await body(arguments) }
            }
            return try result.vmValue(owner: owner)
        }
    }

    /// Runs `body`, passing Quill errors through and naming the function on any other error.
    static func guarded<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as QuillError {
            throw error
        } catch {
            throw QuillError("HostError", "\(name)(): \(error)")
        }
    }

    private static func awaitBody(_ name: String, vm: VM, _ body: @escaping @Sendable () async throws -> QuillValue) throws -> QuillValue {
        let interruption = vm.interruption
        if interruption.isRaised { throw interruption.error }
        let outcome = Outcome()
        let task = Task.detached {
            do { outcome.finish(.success(try await body())) } catch { outcome.finish(.failure(error)) }
        }
        let token = interruption.onInterrupt {
            task.cancel()
            outcome.wake()
        }
        defer { interruption.removeHandler(token) }
        vm.waiting { outcome.wait() }
        guard !interruption.isRaised, let result = outcome.result else { throw interruption.error }
        return try guarded(name) { try result.get() }
    }

    /// The result of an async body, and the semaphore its waiter sleeps on.
    private final class Outcome: Sendable {
        private let stored = Locked<Result<QuillValue, Error>?>(nil)
        private let done = DispatchSemaphore(value: 0)

        var result: Result<QuillValue, Error>? { stored.value }

        func finish(_ result: Result<QuillValue, Error>) {
            stored.value = result
            done.signal()
        }

        func wake() { done.signal() }
        func wait() { done.wait() }
    }
}
