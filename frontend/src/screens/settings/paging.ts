/**
 * Items per page of the settings lists. Every query's cost is taken from
 * the tenant's rate-limit bucket (1000 points, +50/s on the starter plan)
 * and a list's cost grows with its page size: ten rows cost about 150.
 */
export const PAGE_SIZE = 10
