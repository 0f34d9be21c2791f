import { describe, expect, it } from "vitest";
import { messageContentSchema, tidyMessage } from "./schemas.ts";

describe("message content as stored", () => {
  it("keeps leading spaces and drops only blank lines before and whitespace after", () => {
    expect(tidyMessage("\n \n    code();\n  more();  \n\n")).toBe("    code();\n  more();");
    expect(messageContentSchema.parse("  indented")).toBe("  indented");
    expect(messageContentSchema.safeParse(" \n\t ").success).toBe(false);
  });
});
