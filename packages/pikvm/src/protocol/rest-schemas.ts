import { z } from "zod";

/**
 * zod schemas of kvmd's REST `result`s, as the client checks them. They name the fields the client and its
 * users rely on and let everything else through (kvmd adds fields between versions).
 */
const led = z.boolean();

export const emptyResultSchema = z.looseObject({});

export const hidStateSchema = z.looseObject({
  enabled: z.boolean(),
  online: z.boolean(),
  busy: z.boolean(),
  connected: z.boolean().nullable().optional(),
  keyboard: z.looseObject({
    online: z.boolean(),
    leds: z.looseObject({ caps: led, scroll: led, num: led }),
    outputs: z.looseObject({ available: z.array(z.string()), active: z.string() }),
  }),
  mouse: z.looseObject({
    online: z.boolean(),
    absolute: z.boolean(),
    outputs: z.looseObject({ available: z.array(z.string()), active: z.string() }),
  }),
  jiggler: z.looseObject({ enabled: z.boolean(), active: z.boolean(), interval: z.number() }).optional(),
});
export type HidState = z.infer<typeof hidStateSchema>;

export const keymapsSchema = z.looseObject({
  keymaps: z.looseObject({ default: z.string(), available: z.array(z.string()) }),
});
export const inactivitySchema = z.looseObject({ inactivity: z.number().nullable() });

export const atxStateSchema = z.looseObject({
  enabled: z.boolean(),
  busy: z.boolean(),
  leds: z.looseObject({ power: led, hdd: led }),
});
export type AtxState = z.infer<typeof atxStateSchema>;

/** `/api/info`: one entry per asked field (and `hw` in the legacy answer). */
export const infoSchema = z.record(z.string(), z.unknown());

export const streamerStateSchema = z.looseObject({
  features: z.looseObject({ quality: z.boolean(), resolution: z.boolean(), h264: z.boolean() }).optional(),
  params: z.record(z.string(), z.unknown()).optional(),
  streamer: z
    .looseObject({
      source: z.looseObject({
        resolution: z.looseObject({ width: z.number(), height: z.number() }),
        online: z.boolean(),
      }),
      stream: z.looseObject({ clients: z.number(), clients_stat: z.record(z.string(), z.unknown()) }),
    })
    .nullable()
    .optional(),
  snapshot: z.looseObject({ saved: z.unknown() }).optional(),
});
export type StreamerState = z.infer<typeof streamerStateSchema>;

export const ocrInfoSchema = z.looseObject({
  ocr: z.looseObject({
    enabled: z.boolean(),
    langs: z.looseObject({ default: z.array(z.string()), available: z.array(z.string()) }),
  }),
});

const msdImage = z.looseObject({ size: z.number(), complete: z.boolean(), mod_ts: z.number().optional() });
export const msdStateSchema = z.looseObject({
  enabled: z.boolean(),
  online: z.boolean(),
  busy: z.boolean(),
  storage: z
    .looseObject({
      parts: z.record(z.string(), z.looseObject({ size: z.number(), free: z.number() })).optional(),
      images: z.record(z.string(), msdImage),
      uploading: z.looseObject({ name: z.string(), size: z.number(), written: z.number() }).nullable().optional(),
    })
    .nullable(),
  drive: z
    .looseObject({
      image: msdImage.extend({ name: z.string() }).nullable(),
      cdrom: z.boolean(),
      rw: z.boolean().optional(),
      connected: z.boolean(),
    })
    .nullable(),
});
export type MsdState = z.infer<typeof msdStateSchema>;

export const msdWriteSchema = z.looseObject({
  image: z.looseObject({ name: z.string(), size: z.number(), written: z.number() }),
});

const channelState = z.looseObject({ online: z.boolean(), state: z.boolean() });
export const gpioStateSchema = z.looseObject({
  model: z.looseObject({
    scheme: z.looseObject({
      inputs: z.record(z.string(), z.unknown()),
      outputs: z.record(z.string(), z.unknown()),
    }),
    view: z.unknown(),
  }),
  state: z.looseObject({
    inputs: z.record(z.string(), channelState),
    outputs: z.record(z.string(), channelState.extend({ busy: z.boolean() })),
  }),
});
export type GpioState = z.infer<typeof gpioStateSchema>;
