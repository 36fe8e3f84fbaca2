-- Seat-swapped pairs on by default for pong (issue 13): in pong the server alternates and a seed
-- fixes the serves, so one game on one seed says less than the pair with seats swapped. The
-- environment rows are seeded by sql/environments.sql, which runs after the migrations, so the
-- row is made here when it does not exist yet (the same values that file seeds). An environment
-- setting an operator already chose (either way) is kept.
insert into environments (id, version, name, settings) values ('pong', '1.0.0', 'Pong', '{"seat_swapped_pairs": 1}')
on conflict (id) do update set settings = environments.settings || '{"seat_swapped_pairs": 1}'
  where not environments.settings ? 'seat_swapped_pairs';
