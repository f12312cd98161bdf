// bench.mjs TOKENIZER_JSON SENTENCES_TXT [REPS] — times Hugging Face's tokenizers on the same
// sentences Vigil's benchmark uses (one per line, blank lines skipped), with special tokens added:
//
//   - js:   @huggingface/tokenizers, encode() one sentence at a time on Node's single thread;
//   - rust: @anush008/tokenizers (the Rust tokenizers crate), encodeBatch() over all sentences on
//           its own thread pool (RAYON_NUM_THREADS sets its size).
//
// Each is run REPS times (default 3) after a warm-up on the first sentences; the last line of output is JSON with the
// sentence and token counts, every repetition's seconds and the median tokens per second.

import fs from "node:fs";
import { Tokenizer as RustTokenizer } from "@anush008/tokenizers";
import { Tokenizer as JsTokenizer } from "@huggingface/tokenizers";

const WARM_UP = 5000;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

// measure runs encode(sentences) reps times after a warm-up on the first WARM_UP sentences (JIT
// compilation, caches, thread pool start); encode returns the number of tokens.
async function measure(name, reps, sentences, encode) {
  await encode(sentences.slice(0, WARM_UP));
  const seconds = [];
  let tokens = 0;
  for (let r = 0; r < reps; r++) {
    const start = process.hrtime.bigint();
    tokens = await encode(sentences);
    seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  const tokensPerS = tokens / median(seconds);
  console.log(
    `${name}: ${tokens} tokens, ${seconds.map((s) => s.toFixed(2)).join(" / ")} s, ` +
      `median ${(tokensPerS / 1e6).toFixed(3)} M tokens/s`,
  );
  return { tokens, seconds, tokens_per_s: tokensPerS };
}

async function main() {
  const [tokenizerPath, sentencesPath, repsArg] = process.argv.slice(2);
  if (!tokenizerPath || !sentencesPath) {
    console.error("usage: node bench.mjs TOKENIZER_JSON SENTENCES_TXT [REPS]");
    process.exit(2);
  }
  const reps = Number(repsArg ?? 3);
  const jsonText = fs.readFileSync(tokenizerPath, "utf8");
  const sentences = fs.readFileSync(sentencesPath, "utf8").split("\n").filter((l) => l !== "");
  console.log(`${sentences.length} sentences`);

  const js = new JsTokenizer(JSON.parse(jsonText), {});
  const jsResult = await measure("js (1 thread)", reps, sentences, async (batch) => {
    let n = 0;
    for (const s of batch) n += js.encode(s, { add_special_tokens: true }).ids.length;
    return n;
  });

  const rust = RustTokenizer.fromString(jsonText);
  const rustResult = await measure("rust (encodeBatch)", reps, sentences, async (batch) => {
    const encodings = await rust.encodeBatch(batch, { addSpecialTokens: true });
    let n = 0;
    for (const e of encodings) n += e.getLength();
    return n;
  });

  console.log(JSON.stringify({ sentences: sentences.length, js: jsResult, rust: rustResult }));
}

await main();
