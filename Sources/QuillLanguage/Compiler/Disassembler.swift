/// Renders bytecode as text: `quill --dump-bytecode FILE` and the internals documentation use it.
public enum Disassembler {
    public static func render(_ proto: FunctionProto) -> String {
        var out = "function \(proto.name) (\(proto.parameters.count) params, \(proto.registerCount) registers, \(proto.upvalues.count) upvalues)\n"
        for (i, ins) in proto.code.enumerated() {
            let loc = i < proto.locations.count ? proto.locations[i] : .unknown
            let jumpTarget: String
            switch ins.op {
            case .jump, .jumpIfFalse, .jumpIfTrue, .jumpIfNotNil, .jumpUnlessLess, .jumpUnlessLessEqual,
                 .jumpUnlessEqual, .jumpUnlessNotEqual, .jumpUnlessLessInt, .jumpUnlessLessEqualInt,
                 .jumpUnlessGreaterInt, .jumpUnlessGreaterEqualInt, .jumpUnlessEqualInt, .jumpUnlessNotEqualInt,
                 .forPrepare, .forNext, .tryBegin, .skipIfGiven:
                jumpTarget = "  -> \(i + 1 + Int(ins.c))"
            case .loadConst, .getMember, .importModule:
                let k = Int(ins.c)
                jumpTarget = k < proto.constants.count ? "  ; \(proto.constants[k].repr)" : ""
            default:
                jumpTarget = ""
            }
            let index = String(i).leftPadded(to: 4)
            out += "\(index) [\(loc.line):\(loc.column)] \(String(describing: ins.op).rightPadded(to: 24)) \(ins.a) \(ins.b) \(ins.c)\(jumpTarget)\n"
        }
        for p in proto.prototypes { out += "\n" + render(p) }
        return out
    }
}

extension String {
    func rightPadded(to n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
