-- Agents that speak the protocol themselves (issue 16): language 'stdio' runs the command of
-- the archive's agent.json as is, no runner around it. Its `entry` holds that command as a
-- JSON array of strings (`["python3","bot.py"]`); `[]` means the image's own command, for an
-- archive with a Dockerfile built on Kubernetes.
alter table submissions drop constraint submissions_language_valid;
alter table submissions add constraint submissions_language_valid check (language in ('python', 'node', 'stdio', 'builtin'));
