import type React from 'react';
import {AbsoluteFill, Easing, interpolate, useCurrentFrame} from 'remotion';
import {
  DEMO_WIDTH,
  type DemoCollision,
  type DemoDrop,
  type DemoPass,
  demoBalls,
  demoCollisions,
  demoPasses,
  demoSceneStarts,
  demoSlam,
  demoStackDrops,
  FALL_FRAMES,
  PASS_FRAMES,
  SETTLE_FRAMES,
  SLIDE_FRAMES,
  TITLE_FADE_FRAMES,
} from './timeline.ts';

// Everything here is plain CSS transforms driven by the frame: no filters, shadows or images, so a frame
// costs next to nothing beyond Remotion's own screenshot.

const clamp = {extrapolateLeft: 'clamp', extrapolateRight: 'clamp'} as const;

/** The composition frame inside a scene's <Sequence> (which restarts the frame at 0). */
const useSceneFrame = (scene: number): number => useCurrentFrame() + demoSceneStarts[scene];

const Label: React.FC<{text: string}> = ({text}) => (
  <div
    style={{
      position: 'absolute',
      left: 40,
      bottom: 28,
      fontFamily: 'sans-serif',
      fontSize: 22,
      letterSpacing: 2,
      color: 'rgba(255,255,255,0.55)',
      textTransform: 'uppercase',
    }}
  >
    {text}
  </div>
);

/** A shock ring that spreads from an impact point for SETTLE_FRAMES frames. */
const ImpactRing: React.FC<{x: number; y: number; since: number; size: number}> = ({x, y, since, size}) => {
  if (since < 0 || since >= SETTLE_FRAMES) return null;
  const scale = interpolate(since, [0, SETTLE_FRAMES], [0.4, 1.8]);
  const opacity = interpolate(since, [0, SETTLE_FRAMES], [0.8, 0]);
  return (
    <div
      style={{
        position: 'absolute',
        left: x - size / 2,
        top: y - size / 6,
        width: size,
        height: size / 3,
        borderRadius: '50%',
        border: '3px solid #ffffff',
        opacity,
        transform: `scale(${scale})`,
      }}
    />
  );
};

/** Squash on landing: flattened, overshoots, back to round within SETTLE_FRAMES frames. */
const squash = (since: number): number =>
  since < 0 ? 1 : interpolate(since, [0, 3, SETTLE_FRAMES], [0.62, 1.12, 1], clamp);

/** An object falling from above the frame onto `restBottom` (its bottom edge) at `drop.frame`. */
const Faller: React.FC<{
  drop: DemoDrop;
  frame: number;
  width: number;
  height: number;
  restBottom: number;
  radius: string | number;
}> = ({drop, frame, width, height, restBottom, radius}) => {
  const start = drop.frame - FALL_FRAMES;
  if (frame < start) return null;
  const t = Math.min(1, (frame - start) / FALL_FRAMES);
  // Free fall: the distance grows with t², so the object is fastest at the impact.
  const bottom = interpolate(t * t, [0, 1], [-20, restBottom]);
  const since = frame - drop.frame;
  const sy = squash(since);
  return (
    <>
      <div
        style={{
          position: 'absolute',
          left: drop.x - width / 2,
          top: bottom - height,
          width,
          height,
          borderRadius: radius,
          background: drop.color,
          transformOrigin: '50% 100%',
          transform: `scale(${1 / sy}, ${sy})`,
        }}
      />
      <ImpactRing x={drop.x} y={restBottom} since={since} size={width * 1.6} />
    </>
  );
};

const FLOOR_Y = 600;

/** Scene 1: balls drop one by one onto a floor; two still passages between the groups. */
export const DropScene: React.FC<{title: string}> = ({title}) => {
  const frame = useSceneFrame(0);
  const titleOpacity = interpolate(frame, [0, TITLE_FADE_FRAMES], [0, 1], clamp);
  return (
    <AbsoluteFill style={{background: 'linear-gradient(#14213d, #1d3557)'}}>
      <div
        style={{
          position: 'absolute',
          top: 90,
          width: '100%',
          textAlign: 'center',
          fontFamily: 'sans-serif',
          color: '#f1faee',
          opacity: titleOpacity,
        }}
      >
        <div style={{fontSize: 72, fontWeight: 700}}>{title}</div>
        <div style={{fontSize: 28, marginTop: 12, color: '#a8dadc'}}>sound generated from the picture</div>
      </div>
      <div
        style={{
          position: 'absolute',
          left: 0,
          top: FLOOR_Y,
          width: DEMO_WIDTH,
          bottom: 0,
          background: '#3a2e39',
        }}
      />
      {demoBalls.map((ball) => (
        <Faller
          key={ball.frame}
          drop={ball}
          frame={frame}
          width={60}
          height={60}
          restBottom={FLOOR_Y}
          radius="50%"
        />
      ))}
      <Label text="1 · drops" />
    </AbsoluteFill>
  );
};

const Pass: React.FC<{pass: DemoPass; frame: number; thickness: number; length: number}> = ({
  pass,
  frame,
  thickness,
  length,
}) => {
  const half = PASS_FRAMES / 2;
  if (frame < pass.frame - half || frame > pass.frame + half) return null;
  const from = pass.direction === 1 ? -length - 40 : DEMO_WIDTH + 40;
  const to = pass.direction === 1 ? DEMO_WIDTH + 40 : -length - 40;
  const x = interpolate(frame, [pass.frame - half, pass.frame + half], [from, to]);
  // A few fading copies behind the bar read as a motion trail.
  return (
    <>
      {[3, 2, 1, 0].map((k) => (
        <div
          key={k}
          style={{
            position: 'absolute',
            left: x - pass.direction * k * length * 0.45,
            top: pass.y - thickness / 2,
            width: length,
            height: thickness,
            borderRadius: thickness / 2,
            background: pass.color,
            opacity: k === 0 ? 1 : 0.35 / k,
          }}
        />
      ))}
    </>
  );
};

const BLOCK = 110;

const Collision: React.FC<{collision: DemoCollision; frame: number}> = ({collision, frame}) => {
  const start = collision.frame - SLIDE_FRAMES;
  if (frame < start) return null;
  const center = DEMO_WIDTH / 2;
  // Accelerating slide, fastest at the moment of contact.
  const p = interpolate(frame, [start, collision.frame], [0, 1], {...clamp, easing: Easing.in(Easing.quad)});
  const since = frame - collision.frame;
  const shake =
    since >= 0 && since < SETTLE_FRAMES ? Math.sin(since * 2.2) * 10 * (1 - since / SETTLE_FRAMES) : 0;
  const leftX = interpolate(p, [0, 1], [-BLOCK - 20, center - BLOCK]) - shake;
  const rightX = interpolate(p, [0, 1], [DEMO_WIDTH + 20, center]) + shake;
  const block = (left: number, key: string) => (
    <div
      key={key}
      style={{
        position: 'absolute',
        left,
        top: collision.y - BLOCK / 2,
        width: BLOCK,
        height: BLOCK,
        borderRadius: 12,
        background: collision.color,
        border: '4px solid rgba(255,255,255,0.6)',
      }}
    />
  );
  return (
    <>
      {block(leftX, 'l')}
      {block(rightX, 'r')}
      <ImpactRing x={center} y={collision.y} since={since} size={220} />
    </>
  );
};

/** Scene 2: fast bars whoosh across; blocks collide in the middle; two still passages. */
export const RushScene: React.FC = () => {
  const frame = useSceneFrame(1);
  return (
    <AbsoluteFill style={{background: '#0b3d3a'}}>
      {demoCollisions.map((c) => (
        <Collision key={c.frame} collision={c} frame={frame} />
      ))}
      {demoPasses
        .filter((p) => p.frame < demoSceneStarts[2])
        .map((p) => (
          <Pass key={p.frame} pass={p} frame={frame} thickness={26} length={240} />
        ))}
      <Label text="2 · rush" />
    </AbsoluteFill>
  );
};

const GROUND_Y = 640;
const STACK_W = 200;
const STACK_H = 70;

/** Scene 3: a calm dusk, blocks stacked one by one, two birds, one heavy slam, then stillness. */
export const StackScene: React.FC = () => {
  const frame = useSceneFrame(2);
  const sinceSlam = frame - demoSlam.frame;
  const quake =
    sinceSlam >= 0 && sinceSlam < SETTLE_FRAMES
      ? Math.sin(sinceSlam * 2.5) * 8 * (1 - sinceSlam / SETTLE_FRAMES)
      : 0;
  return (
    <AbsoluteFill style={{background: 'linear-gradient(#2b193d, #b5446e 70%, #f7b267)'}}>
      <div
        style={{
          position: 'absolute',
          left: 980,
          top: 170,
          width: 150,
          height: 150,
          borderRadius: '50%',
          background: '#ffd6a5',
        }}
      />
      <AbsoluteFill style={{transform: `translateY(${quake}px)`}}>
        <div
          style={{
            position: 'absolute',
            left: 0,
            top: GROUND_Y,
            width: DEMO_WIDTH,
            bottom: 0,
            background: '#2d1e2f',
          }}
        />
        {demoStackDrops.map((drop, i) => (
          <Faller
            key={drop.frame}
            drop={drop}
            frame={frame}
            width={STACK_W}
            height={STACK_H}
            restBottom={GROUND_Y - i * STACK_H}
            radius={6}
          />
        ))}
        <Faller drop={demoSlam} frame={frame} width={260} height={200} restBottom={GROUND_Y} radius={8} />
        {demoPasses
          .filter((p) => p.frame >= demoSceneStarts[2])
          .map((p) => (
            <Pass key={p.frame} pass={p} frame={frame} thickness={6} length={120} />
          ))}
      </AbsoluteFill>
      <Label text="3 · stack" />
    </AbsoluteFill>
  );
};
