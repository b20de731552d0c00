import { z } from 'zod';

/**
 * Tag rules of FunctionGraph's user guide ("Configuring Tags", the TMS rules): at most 20 tags per function; a key of
 * 1–128 characters, a value of 0–255. The API reference's narrower KvItem rule (key ≤ 36, value ≤ 43) is a subset.
 */
export const TAG_LIMITS = {
  perResource: 20,
  keyChars: 128,
  valueChars: 255,
  /** Filters in one resource-instance query (`tags`, `matches`, values of one key). */
  filters: 20,
  /** Page size of a resource-instance query: 1–1000, 1000 by default. */
  pageMax: 1000,
} as const;

/** Unicode letters and digits, spaces and `_ . : = + - @`; not starting with `_sys_`, no leading or trailing space. */
export const TAG_KEY_PATTERN = /^(?!_sys_)(?! )[\p{L}\p{N} _.:=+\-@]*[\p{L}\p{N}_.:=+\-@]$/u;
/** Unicode letters and digits, spaces and `_ . : / = + - @`; may be empty. */
export const TAG_VALUE_PATTERN = /^[\p{L}\p{N} _.:/=+\-@]*$/u;

/** The only resource type FunctionGraph tags: `functions`. */
export const TAG_RESOURCE_TYPE = 'functions';

/** The system tag this installation knows: the function's enterprise project. */
export const SYS_TAG_ENTERPRISE_PROJECT = '_sys_enterprise_project_id';

export const tagKeySchema = z.string().min(1).max(TAG_LIMITS.keyChars).regex(TAG_KEY_PATTERN);
export const tagValueSchema = z.string().max(TAG_LIMITS.valueChars).regex(TAG_VALUE_PATTERN);

/** `KvItem`: a tag as create and list exchange it. */
export const tagItemSchema = z.object({ key: tagKeySchema, value: tagValueSchema.optional() }).strip();

/**
 * Body of `POST .../tags/create` and `DELETE .../tags/delete` (`UpdateFunctionTagsRequestBody`). `action`, when
 * given, must name the operation of the path; system tags cannot be set here.
 */
export const updateTagsSchema = z
  .object({
    action: z.enum(['create', 'delete']).optional(),
    tags: z.array(tagItemSchema).min(1).max(TAG_LIMITS.perResource),
    sys_tags: z.array(z.unknown()).max(0).optional(),
  })
  .strip();
export type UpdateTagsBody = z.infer<typeof updateTagsSchema>;

const pageNumber = z.union([z.number().int(), z.string().regex(/^[0-9]{1,9}$/)]);

/**
 * Body of `POST .../resource-instances/{action}` (`ListEnterpriseResourceRequestBody`). `matches` pairs with the key
 * `resource_name` match the function name (case-insensitive substring); any other key is a tag that must be present
 * with that value (any value when empty). `tags` is TMS's usual filter: each key present with one of `values` (any
 * value when empty).
 */
export const resourceInstanceQuerySchema = z
  .object({
    without_any_tag: z.boolean().optional(),
    limit: pageNumber.optional(),
    offset: pageNumber.optional(),
    action: z.enum(['filter', 'count']).optional(),
    matches: z
      .array(z.object({ key: z.string().min(1).max(TAG_LIMITS.keyChars), value: tagValueSchema.optional() }))
      .max(TAG_LIMITS.filters)
      .optional(),
    tags: z
      .array(
        z.object({ key: tagKeySchema, values: z.array(tagValueSchema).max(TAG_LIMITS.filters).optional() }),
      )
      .max(TAG_LIMITS.filters)
      .optional(),
    sys_tags: z
      .array(
        z.object({
          key: z.literal(SYS_TAG_ENTERPRISE_PROJECT),
          values: z.array(z.string().max(64)).max(TAG_LIMITS.filters).optional(),
        }),
      )
      .max(1)
      .optional(),
  })
  .strip();
export type ResourceInstanceQueryBody = z.infer<typeof resourceInstanceQuerySchema>;

export interface TagDto {
  key: string;
  value: string;
}

/** `GET /v2/{project_id}/functions/{resource_id}/tags` (`ListFunctionTagsResponse`). */
export interface FunctionTagsDto {
  tags: TagDto[];
  sys_tags: TagDto[];
}

/** `GET /v2/{project_id}/functions/tags` (`ShowProjectTagsListResponse`): each key with every value in use. */
export interface ProjectTagsDto {
  tags: { key: string; values: string[] }[];
  sys_tags: { key: string; values: string[] }[];
}

/** One function of a resource-instance query (`ListEnterpriseResourceResult`); `detailId` is its URN. */
export interface ResourceInstanceDto {
  resource_id: string;
  resource_name: string;
  resource_detail: { detailId: string };
  tags: TagDto[];
  sys_tags: TagDto[];
}

/** `filter` answers the page and the total; `count` only the total. */
export interface ResourceInstancesDto {
  resources?: ResourceInstanceDto[];
  total_count: number;
}
