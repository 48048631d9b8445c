export type {MmaudioProps, MmaudioScene, MmaudioTakes} from '../contract/props-schema.ts';
export {
  DEFAULT_STEPS,
  MAX_NEGATIVE_PROMPT_LENGTH,
  MAX_PROMPT_LENGTH,
  MAX_STEPS,
  MIN_STEPS,
  mmaudioPropsSchema,
  mmaudioSceneSchema,
  mmaudioTakesSchema,
} from '../contract/props-schema.ts';
