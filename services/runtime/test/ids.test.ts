import { describe, expect, it } from "vitest";
import { ID_ALPHABET, newId } from "../src/ids.js";

describe("newId", () => {
  it("gives a prefixed id of 16 characters from the alphabet", () => {
    expect(newId("dep")).toMatch(new RegExp(`^dep_[${ID_ALPHABET}]{16}$`));
  });

  it("draws every alphabet character equally often", () => {
    // 320,000 characters, ~5,926 expected per character. A `byte % 54` draw
    // gives the first 40 characters 5/256 and the rest 4/256 (~5,000 each),
    // a chi-square near 2,700; a fair draw stays near 53 (sd ~10), so a bound
    // of 130 fails the biased draw every time and a fair one about never.
    const counts = new Map<string, number>([...ID_ALPHABET].map((c) => [c, 0]));
    const ids = 20_000;
    for (let i = 0; i < ids; i++) for (const c of newId("x").slice(2)) counts.set(c, (counts.get(c) ?? 0) + 1);
    expect(counts.size).toBe(ID_ALPHABET.length);
    const expected = (ids * 16) / ID_ALPHABET.length;
    let chiSquare = 0;
    for (const count of counts.values()) {
      chiSquare += (count - expected) ** 2 / expected;
      expect(Math.abs(count - expected) / expected).toBeLessThan(0.1);
    }
    expect(chiSquare).toBeLessThan(130);
  });
});
