// Tests check.mjs on a tiny hand-made tokenizer: fixtures computed by the Rust reference pass, and
// a fixture with one wrong id fails with a report naming the case. Run: node --test interop/tokenizers/

import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@anush008/tokenizers";

const here = path.dirname(fileURLToPath(import.meta.url));
const check = path.join(here, "check.mjs");

const vocabList = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "σ", "##ς", "##σ", "a", "##b", ".", "!"];

function tokenizerJSON() {
  const vocab = Object.fromEntries(vocabList.map((t, i) => [t, i]));
  const special = (t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const piece = (kind, id, typeId) => ({ [kind]: { id, type_id: typeId } });
  return {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map(special),
    normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true, strip_accents: true, lowercase: true },
    pre_tokenizer: { type: "BertPreTokenizer" },
    post_processor: {
      type: "TemplateProcessing",
      single: [piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0)],
      pair: [
        piece("SpecialToken", "[CLS]", 0), piece("Sequence", "A", 0), piece("SpecialToken", "[SEP]", 0),
        piece("Sequence", "B", 1), piece("SpecialToken", "[SEP]", 1),
      ],
      special_tokens: {
        "[CLS]": { id: "[CLS]", ids: [vocab["[CLS]"]], tokens: ["[CLS]"] },
        "[SEP]": { id: "[SEP]", ids: [vocab["[SEP]"]], tokens: ["[SEP]"] },
      },
    },
    decoder: { type: "WordPiece", prefix: "##", cleanup: true },
    model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##", max_input_chars_per_word: 100, vocab },
  };
}

// fixture writes DIR/tiny/{tokenizer.json,expected.jsonl} with the Rust tokenizer's encodings.
async function fixture(cases) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "check-test-"));
  const sub = path.join(dir, "tiny");
  fs.mkdirSync(sub);
  const json = JSON.stringify(tokenizerJSON());
  fs.writeFileSync(path.join(sub, "tokenizer.json"), json);
  const lines = [];
  for (const [i, c] of cases.entries()) {
    const tok = Tokenizer.fromString(json);
    if (c.max_length) tok.setTruncation(c.max_length);
    if (c.pad) tok.setPadding({ maxLength: c.max_length, padId: 0, padToken: "[PAD]" });
    const e = await tok.encode(c.text, c.pair ?? null, { addSpecialTokens: true });
    lines.push(JSON.stringify({
      source: `test:${i}`, ...c,
      ids: e.getIds(), type_ids: e.getTypeIds(), attention_mask: e.getAttentionMask(),
      tokens: e.getTokens(), offsets: e.getOffsets(),
    }));
  }
  fs.writeFileSync(path.join(sub, "expected.jsonl"), lines.join("\n") + "\n");
  return dir;
}

const cases = [
  { text: "The cat sat." },
  { text: "ΣΣ ab!" }, // final sigma: needs the final-sigma exception for the JS library
  { text: "the cat", pair: "" }, // empty pair: needs the empty-pair exception
  { text: "\u{20BB7}cat sat" }, // ideograph above U+FFFF: needs the supplementary-cjk exception
  { text: "the cat sat the cat sat", pair: "a cat", max_length: 6, pad: true },
  { text: "unknown words here" },
];

test("fixtures from the Rust reference pass, with the JS exceptions proven", async () => {
  const dir = await fixture(cases);
  const out = execFileSync("node", [check, dir], { encoding: "utf8" });
  assert.match(out, /tokenizer tiny: 6 cases, 0 mismatches \(js: 0 of 5 checked; rust: 0 of 6 checked\)/);
  assert.match(out, /exception final-sigma: applied to 1 cases; unmodified JS departed from Rust in 1 of them/);
  assert.match(out, /exception supplementary-cjk: applied to 1 cases; unmodified JS departed from Rust in 1 of them/);
  assert.match(out, /exception empty-pair: applied to 1 cases; unmodified JS departed from Rust in 1 of them/);
  assert.match(out, /^PASS/m);
});

test("a wrong id fails and is reported", async () => {
  const dir = await fixture(cases);
  const file = path.join(dir, "tiny", "expected.jsonl");
  const lines = fs.readFileSync(file, "utf8").trim().split("\n").map((l) => JSON.parse(l));
  lines[0].ids[1] = 1;
  fs.writeFileSync(file, lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  const run = spawnSync("node", [check, dir], { encoding: "utf8" });
  assert.equal(run.status, 1);
  assert.match(run.stdout, /MISMATCH tiny vs rust test:0 \(ids\)/);
  assert.match(run.stdout, /MISMATCH tiny vs js test:0 \(ids\)/);
  assert.match(run.stdout, /tokenizer tiny: 6 cases, 1 mismatches/);
  assert.match(run.stdout, /^FAIL/m);
});
