import QuillLanguage

/// The evaluation built-ins: `dataset(source, format: nil)` — rows from a `.jsonl`, `.json`,
/// `.csv` or `.tsv` file (by extension, or `format:`), or an inline list.
enum EvaluationLibrary {
    static func install(into vm: VM) {
        vm.defineGlobal("dataset", .native(NativeFunction("dataset", ["source", "format"], required: 1) { args in
            switch args[0] {
            case .list(let list):
                return .object(DatasetObject(name: "inline", rows: list.items))
            case .string(let path):
                try args.vm.require(.readFiles, for: "dataset()")
                let format = args.has(1) ? try args.string(1) : nil
                let rows = try Dataset.load(path: path.value, format: format)
                return .object(DatasetObject(name: path.value, rows: rows))
            default:
                throw args.typeError(0, expected: "a file path or a list of rows")
            }
        }))
    }
}
