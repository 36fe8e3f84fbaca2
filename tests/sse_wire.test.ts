import { test } from "uvu";
import * as assert from "uvu/assert";
import { sseComment, sseMessage } from "../src/web/live/sse_wire.ts";

// The SSE wire format (src/web/live/sse_wire.ts), apart from the hub: what a browser's EventSource
// and htmx's SSE reader parse.

test("a message's every line is a data line, whatever line breaks the HTML carries, and ends with a blank line", () => {
  const m = sseMessage("42", "<div>\r\n<p>a</p>\r<p>b</p>\n</div>");
  assert.is(new TextDecoder().decode(m.frame), "id: 42\ndata: <div>\ndata: <p>a</p>\ndata: <p>b</p>\ndata: </div>\n\n");
  assert.is(m.data, "<div>\r\n<p>a</p>\r<p>b</p>\n</div>", "the data is kept as rendered");
});

test("a comment cannot end itself early or smuggle a field onto the next line", () => {
  assert.is(sseComment("keep-alive"), ": keep-alive\n\n");
  assert.is(sseComment("x\ndata: injected\r\n"), ": x data: injected \n\n");
});

test.run();
