// Package plot provides the drawing widgets of the MyoRehab UI: the live
// EMG Scope (with signal-quality lights and legible label boxes), Levels
// (per-channel RMS bars lined up with the scope's lanes), Chart (small
// multi-lane line charts: the live fatigue trend, the history trend) and
// Viewer (a stored recording with annotations, scrolled and zoomed).
//
// Every widget draws its data into a reused image buffer shown through a
// single canvas.Raster, so a redraw costs one image upload regardless of
// the number of points, and the drawing itself allocates nothing; only a
// few texts per lane are canvas objects. The drawing functions (Draw,
// DrawChart, DrawLevels, DrawRecording) and Autoscale do not depend on
// Fyne and are tested without rendering.
package plot
