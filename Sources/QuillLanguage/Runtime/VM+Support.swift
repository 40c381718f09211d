/// Helpers of the dispatch loop kept out of its file: frame reloads, string building, step
/// counting and handler bookkeeping.
extension VM {
    /// The dispatch loop's locals for the top frame. (A nested function that reassigned the
    /// loop's variables would capture them, and Swift then checks every access to them at run
    /// time; returning them and assigning in place keeps them plain registers.)
    @inline(__always)
    func topFrameState() -> (UnsafeMutablePointer<CallFrame>, Closure, FunctionProto, UnsafePointer<Instruction>,
                             UnsafePointer<Value>, UnsafeMutablePointer<Value>, Int, Int, UnsafeMutablePointer<Value>) {
        let frame = frames + (frameCount - 1)
        let closure = frame.pointee.closure
        let proto = closure.proto
        return (frame, closure, proto, UnsafePointer(proto.codePointer), UnsafePointer(proto.constantPointer),
                proto.module.slots, frame.pointee.pc, frame.pointee.base, stack + frame.pointee.base)
    }

    /// Builds an interpolated string from `count` registers in one allocation: sizes every part,
    /// then copies bytes (ints are written as digits in place). Swift's `+=` costs more per
    /// call than copying a short part, and templates have many parts. (Under a memory limit,
    /// `MemoryMeter.interpolate` sizes the parts first.)
    static func concatenate(_ parts: UnsafeMutablePointer<Value>, count: Int) -> String {
        var size = 0
        var others: [String] = []
        for i in 0..<count {
            switch parts[i] {
            case .string(let part): size += part.value.utf8.count
            case .int(let v): size += Value.decimalDigits(v)
            default:
                let text = parts[i].description
                size += text.utf8.count
                others.append(text)
            }
        }
        var other = 0
        return String(unsafeUninitializedCapacity: size) { buffer in
            var at = 0
            for i in 0..<count {
                switch parts[i] {
                case .string(let part):
                    var text = part.value
                    text.withUTF8 { bytes in
                        if let b = bytes.baseAddress { (buffer.baseAddress! + at).update(from: b, count: bytes.count) }
                        at += bytes.count
                    }
                case .int(let v):
                    at = Value.writeDecimal(v, into: buffer, at: at)
                default:
                    others[other].withUTF8 { bytes in
                        if let b = bytes.baseAddress { (buffer.baseAddress! + at).update(from: b, count: bytes.count) }
                        at += bytes.count
                    }
                    other += 1
                }
            }
            return at
        }
    }

    /// Gives the VM its whole step budget again (after an interrupt drove the counter down).
    public func resetStepCount() { remainingSteps = instructionLimit ?? Int.max }

    /// Counts loop iterations and calls against `instructionLimit`.
    @inline(__always) func countStep() throws {
        remainingSteps &-= 1
        if remainingSteps < 0 { try stepsRanOut() }
    }

    /// The slow path of `countStep`: an interrupt (which drove the counter down), or the limit.
    @inline(never) func stepsRanOut() throws {
        remainingSteps = 0
        if interruption.isRaised { throw interruption.error }
        // A lost interrupt poke, or a cleared one, on a VM without a limit: keep going.
        guard let limit = instructionLimit else {
            remainingSteps = Int.max
            return
        }
        throw QuillError("LimitError", "step limit of \(limit) exceeded")
    }

    func dropHandlers(aboveOrAt frameIndex: Int) {
        while let h = handlers.last, h.frameIndex >= frameIndex { handlers.removeLast() }
        syncTops()
    }
}
