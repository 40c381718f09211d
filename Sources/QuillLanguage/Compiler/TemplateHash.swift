/// The version stamp of a `prompt` declaration: SHA-256 of its source text, first 12 hex digits.
///
/// Any edit to the template (text, parameters, roles) changes the hash, so every logged call can
/// name the exact prompt version that produced it.
public enum TemplateHash {
    public static func hex(of text: String, digits: Int = 12) -> String {
        String(SHA256.hex(SHA256.digest(Array(text.utf8))).prefix(digits))
    }
}
