/** Entry of the browser bundle dist/player.js (global `RlArenaPlayer`). */
export { mountReplayPlayer, PLAYER_CSS, type PlayerHandle, type PlayerOptions } from "./player.ts";
