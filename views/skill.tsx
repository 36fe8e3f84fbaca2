import type { FC } from "hono/jsx";
import type { SkillEstimate } from "./models.ts";

const ordinal = (n: number) => {
  const tens = n % 100, ones = n % 10;
  const suffix = tens >= 11 && tens <= 13 ? "th" : ones === 1 ? "st" : ones === 2 ? "nd" : ones === 3 ? "rd" : "th";
  return `${n}${suffix}`;
};

/** "could be 3rd–7th", "surely 1st", or nothing when the range is unknown. */
export function rankRange(skill: SkillEstimate): string | null {
  if (skill.rankBest === null || skill.rankWorst === null) return null;
  return skill.rankBest === skill.rankWorst ? `surely ${ordinal(skill.rankBest)}` : `could be ${ordinal(skill.rankBest)}–${ordinal(skill.rankWorst)}`;
}

/**
 * The skill estimate next to ELO: μ ± the half-width of its 95 % interval, and the ranks it
 * could hold; "–" before its first refit.
 */
export const SkillValue: FC<{ skill: SkillEstimate | null | undefined }> = ({ skill }) => {
  if (!skill) return <span class="muted" title="no skill estimate yet: it is refitted after the agent's first games">–</span>;
  const range = rankRange(skill);
  return (
    <span class="skill" title={`skill ${Math.round(skill.mu)}, 95 % interval ${Math.round(skill.mu - 1.96 * skill.se)}–${Math.round(skill.mu + 1.96 * skill.se)}`}>
      {Math.round(skill.mu)} ± {Math.round(1.96 * skill.se)}
      {range ? <small class="muted"> {range}</small> : null}
    </span>
  );
};
