/// Turning Swift errors into Quill error values with locations and stack traces.
extension VM {
    /// The Quill error for anything thrown inside the VM, stamped with the stack trace if new.
    public func errorObject(for error: Error) -> ErrorObject {
        let object: ErrorObject
        switch error {
        case let e as RuntimeError: object = e.error
        case let e as QuillError: object = ErrorObject(kind: e.kind, message: e.message, hint: e.hint)
        default: object = ErrorObject(kind: "InternalError", message: "\(error)")
        }
        if object.trace.isEmpty { object.trace = currentTrace() }
        return object
    }

    /// What `throw value` throws: errors as they are, anything else wrapped.
    func thrownError(_ value: Value) -> RuntimeError {
        switch value {
        case .error(let e): return RuntimeError(e)
        case .string(let s): return RuntimeError(ErrorObject(kind: "Error", message: s.value))
        case .map(let m):
            // `throw {kind: "Timeout", message: "..."}` reads naturally; honour those fields.
            let kind = m["kind"]?.stringValue ?? "Error"
            let message = m["message"]?.description ?? value.repr
            return RuntimeError(ErrorObject(kind: kind, message: message, payload: value))
        default: return RuntimeError(ErrorObject(kind: "Error", message: value.repr, payload: value))
        }
    }

    /// The active frames, innermost first, each at the instruction it is executing; in a task VM
    /// followed by those of the `batch` call that runs the task.
    func currentTrace() -> [TraceEntry] {
        var entries: [TraceEntry] = []
        var i = frameCount - 1
        while i >= 0 {
            let f = frames[i]
            let proto = f.closure.proto
            let at = max(0, min(f.pc - 1, proto.locations.count - 1))
            let loc = proto.locations.isEmpty ? proto.location : proto.locations[at]
            entries.append(TraceEntry(function: proto.name, file: proto.file, location: loc))
            i -= 1
        }
        return entries + outerTrace
    }
}
