// The cheapest possible protocol agent, used by referee_overhead.ts on both sides of the
// comparison: parse each line, answer init with ready and everything else with STAY.
let buffer = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  buffer += chunk;
  let nl;
  while ((nl = buffer.indexOf("\n")) !== -1) {
    const msg = JSON.parse(buffer.slice(0, nl));
    buffer = buffer.slice(nl + 1);
    if (msg.type === "init") process.stdout.write('{"ready":true}\n');
    else if (msg.type === "end") process.exit(0);
    else process.stdout.write('{"action":1}\n');
  }
});
process.stdin.on("end", () => process.exit(0));
