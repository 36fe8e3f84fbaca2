-- busy_agents rows are written 100,000 at a time by pair_agents, and the match_id index cost as
-- much as the table's primary key (random uuids: a random leaf per row). Nothing needs it: a
-- match knows its two agents, so ending a match deletes by the primary key
-- (agent_id in (player0, player1) and match_id = the match), and housekeeping's sweep for rows
-- of vanished matches scans busy_agents, which holds only the open matches' agents.
drop index busy_agents_match_idx;
