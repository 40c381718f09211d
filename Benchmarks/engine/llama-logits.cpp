// llama-logits: per-position next-token logits from llama.cpp, for Quill's golden fixtures.
//
// Our own driver; it uses only llama.h's public API. Build: see build-llamacpp.sh.
//
// Usage:
//   llama-logits -m MODEL.gguf --tokens 1,2,3 [-t THREADS] [--top N] [--full FILE]
//       Evaluates the token ids in ONE batch, logits requested at every position, and prints one JSON line per
//       position: {"pos":i,"top":[[id,logit],...]} with the N largest logits (descending; ties by lower id)
//       of the prediction for position i+1. --full writes all logits as raw little-endian float32
//       [n_pos][n_vocab] to FILE.
//   llama-logits -m MODEL.gguf --tokens 1,2,3 --generate N [-t THREADS]
//       Greedy (argmax, i.e. temperature 0) continuation: the prompt in one batch, then one token per decode,
//       N tokens or until an end-of-generation token (which is kept). Prints one JSON line
//       {"tokens":[prompt..., generated...],"n_prompt":k}.
// Options:
//   -t N            threads for both prompt and generation (default 2)
//   --top N         how many logits per position (default 20)
//   --kv-type T     f16 (llama.cpp's default) or f32 KV cache
//   --flash-attn M  auto (default), on or off
//   --tokens-file F token ids (comma/space/newline separated) from a file instead of --tokens
//   -v              keep llama.cpp's log on stderr
#include "llama.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

static bool g_verbose = false;

static void log_cb(enum ggml_log_level, const char * text, void *) {
    if (g_verbose) fputs(text, stderr);
}

static void die(const char * msg) {
    fprintf(stderr, "llama-logits: %s\n", msg);
    exit(1);
}

static std::vector<llama_token> parse_ids(const std::string & s) {
    std::vector<llama_token> out;
    std::string cur;
    for (char c : s) {
        if ((c >= '0' && c <= '9') || c == '-') {
            cur += c;
        } else if (c == ',' || c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '[' || c == ']') {
            if (!cur.empty()) { out.push_back((llama_token) std::stol(cur)); cur.clear(); }
        } else {
            die("bad character in token list");
        }
    }
    if (!cur.empty()) out.push_back((llama_token) std::stol(cur));
    return out;
}

static void print_float(float v) {
    // %.9g round-trips every float32 exactly.
    printf("%.9g", (double) v);
}

int main(int argc, char ** argv) {
    std::string model_path, tokens_arg, tokens_file, full_path, kv_type = "f16", flash_attn = "auto";
    int n_threads = 2, top_n = 20, n_generate = -1;
    bool have_tokens = false;

    for (int i = 1; i < argc; i++) {
        std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) die(("missing value for " + a).c_str());
            return argv[++i];
        };
        if (a == "-m" || a == "--model") model_path = next();
        else if (a == "--tokens") { tokens_arg = next(); have_tokens = true; }
        else if (a == "--tokens-file") { tokens_file = next(); have_tokens = true; }
        else if (a == "-t" || a == "--threads") n_threads = atoi(next().c_str());
        else if (a == "--top") top_n = atoi(next().c_str());
        else if (a == "--full") full_path = next();
        else if (a == "--generate") n_generate = atoi(next().c_str());
        else if (a == "--kv-type") kv_type = next();
        else if (a == "--flash-attn") flash_attn = next();
        else if (a == "-v" || a == "--verbose") g_verbose = true;
        else if (a == "-h" || a == "--help") {
            printf("usage: %s -m MODEL.gguf --tokens 1,2,3 [-t 2] [--top 20] [--full FILE] [--generate N] "
                   "[--kv-type f16|f32] [--flash-attn auto|on|off] [--tokens-file F] [-v]\n", argv[0]);
            return 0;
        } else die(("unknown argument " + a).c_str());
    }
    if (model_path.empty()) die("-m MODEL is required");
    if (!have_tokens) die("--tokens or --tokens-file is required");
    if (n_threads < 1 || top_n < 1) die("-t and --top must be positive");
    if (kv_type != "f16" && kv_type != "f32") die("--kv-type must be f16 or f32");
    if (flash_attn != "auto" && flash_attn != "on" && flash_attn != "off") die("--flash-attn must be auto, on or off");

    if (!tokens_file.empty()) {
        std::ifstream in(tokens_file);
        if (!in) die("cannot read --tokens-file");
        std::stringstream ss; ss << in.rdbuf();
        tokens_arg = ss.str();
    }
    std::vector<llama_token> tokens = parse_ids(tokens_arg);
    if (tokens.empty()) die("empty token list");

    llama_log_set(log_cb, nullptr);
    llama_backend_init();

    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    llama_model * model = llama_model_load_from_file(model_path.c_str(), mp);
    if (!model) die("cannot load model");
    const llama_vocab * vocab = llama_model_get_vocab(model);
    const int n_vocab = llama_vocab_n_tokens(vocab);
    for (llama_token t : tokens) {
        if (t < 0 || t >= n_vocab) die("token id out of range");
    }

    const int n_prompt = (int) tokens.size();
    const int n_total = n_prompt + std::max(n_generate, 0);

    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = (uint32_t) std::max(n_total, 64);
    cp.n_batch = (uint32_t) std::max(n_prompt, 1);   // the whole token list is one batch ...
    cp.n_ubatch = cp.n_batch;                          // ... and one physical batch
    cp.n_seq_max = 1;
    cp.n_threads = n_threads;
    cp.n_threads_batch = n_threads;
    cp.no_perf = true;
    if (kv_type == "f32") { cp.type_k = GGML_TYPE_F32; cp.type_v = GGML_TYPE_F32; }
    // Flash attention (on by default on CPU) rounds attention intermediates; an exact f32
    // reference needs it off.
    if (flash_attn == "on") cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_ENABLED;
    if (flash_attn == "off") cp.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED;
    llama_context * ctx = llama_init_from_model(model, cp);
    if (!ctx) die("cannot create context");

    llama_batch batch = llama_batch_init(n_prompt, 0, 1);
    batch.n_tokens = n_prompt;
    const bool all_logits = n_generate < 0;
    for (int i = 0; i < n_prompt; i++) {
        batch.token[i] = tokens[i];
        batch.pos[i] = i;
        batch.n_seq_id[i] = 1;
        batch.seq_id[i][0] = 0;
        batch.logits[i] = (all_logits || i == n_prompt - 1) ? 1 : 0;
    }
    if (llama_decode(ctx, batch) != 0) die("llama_decode failed");

    if (n_generate >= 0) {
        // Greedy continuation, one token per decode.
        auto argmax = [&](const float * l) {
            int best = 0;
            for (int v = 1; v < n_vocab; v++) if (l[v] > l[best]) best = v;
            return (llama_token) best;
        };
        llama_token next = argmax(llama_get_logits_ith(ctx, -1));
        for (int g = 0; g < n_generate; g++) {
            tokens.push_back(next);
            if (llama_vocab_is_eog(vocab, next) || g == n_generate - 1) break;
            llama_batch one = llama_batch_get_one(&tokens.back(), 1);
            if (llama_decode(ctx, one) != 0) die("llama_decode failed during generation");
            next = argmax(llama_get_logits_ith(ctx, -1));
        }
        printf("{\"tokens\":[");
        for (size_t i = 0; i < tokens.size(); i++) printf(i ? ",%d" : "%d", tokens[i]);
        printf("],\"n_prompt\":%d}\n", n_prompt);
    } else {
        FILE * full = nullptr;
        if (!full_path.empty()) {
            full = fopen(full_path.c_str(), "wb");
            if (!full) die("cannot open --full file");
        }
        const int n_top = std::min(top_n, n_vocab);
        std::vector<int> idx(n_vocab);
        for (int i = 0; i < n_prompt; i++) {
            const float * l = llama_get_logits_ith(ctx, i);
            if (!l) die("no logits for a position");
            if (full) {
                // float32 in the machine's byte order: little-endian on every target llama.cpp's CPU backend runs on here.
                if (fwrite(l, sizeof(float), (size_t) n_vocab, full) != (size_t) n_vocab) die("write failed");
            }
            for (int v = 0; v < n_vocab; v++) idx[v] = v;
            std::partial_sort(idx.begin(), idx.begin() + n_top, idx.end(), [&](int a, int b) {
                return l[a] > l[b] || (l[a] == l[b] && a < b);
            });
            printf("{\"pos\":%d,\"top\":[", i);
            for (int k = 0; k < n_top; k++) {
                printf(k ? ",[%d," : "[%d,", idx[k]);
                print_float(l[idx[k]]);
                printf("]");
            }
            printf("]}\n");
        }
        if (full && fclose(full) != 0) die("close failed");
    }

    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
