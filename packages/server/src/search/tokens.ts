import { countTokens, decode, encode } from "gpt-tokenizer/encoding/o200k_base";

/**
 * Token counting for context budgets: OpenAI's o200k_base BPE (gpt-tokenizer, pure JavaScript, the
 * encoding ships in the package). Other models' tokenizers differ by a few percent; a budget is a
 * budget, and this is a real count, not characters / 4.
 */
export const TOKENIZER = "o200k_base";

export const tokenCount = (text: string): number => countTokens(text);

/** The longest prefix of `text` of at most `max` tokens (cut on a token boundary). */
export function truncateToTokens(text: string, max: number): string {
  if (max <= 0) return "";
  const tokens = encode(text);
  return tokens.length <= max ? text : decode(tokens.slice(0, max));
}
