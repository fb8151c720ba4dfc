export {
  describeLocation,
  type ErrorCode,
  type ErrorLocation,
  SerumsError,
  showValue,
} from "./serums-error.ts";
