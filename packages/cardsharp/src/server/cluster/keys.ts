/** Names of the keys and channels one casino uses on the bus; `ns` keeps several casinos apart on one Redis. */
export function clusterKeys(ns: string) {
  return {
    /** JSON array of every table id of the casino. */
    index: `${ns}:tables`,
    /** A table's record (config, seats, bankrolls, settled rounds). */
    record: (table: string) => `${ns}:table:${table}`,
    /** The lease naming the instance that runs a table. */
    lease: (table: string) => `${ns}:table:${table}`,
    /** Client frames for a table, from every instance to its owner. */
    inbound: (table: string) => `${ns}:in:${table}`,
    /** Frames for the sockets of one instance, from table owners. */
    instance: (id: string) => `${ns}:inst:${id}`,
    /** Owner changes, `{table, owner}`, to every instance. */
    owners: `${ns}:owners`,
  };
}
export type ClusterKeys = ReturnType<typeof clusterKeys>;
