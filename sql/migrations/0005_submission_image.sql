-- The agent image a Kubernetes build pushed (Kaniko; `repo@sha256:…` when the digest is known),
-- so match Jobs can run exactly the code that was validated. Null for local builds and for
-- built-in agents (those run from the platform image on Kubernetes).
alter table submissions add column image text;
alter table submissions add constraint submissions_image_length check (length(image) <= 512);
