// Package plot provides the live EMG scope widget of the MyoRehab UI.
//
// Scope draws one trace per channel, stacked vertically, from the min/max
// envelopes of a pipeline.Snapshot. The traces are drawn by this package into
// a reused image buffer shown through a single canvas.Raster, so a redraw
// costs one image upload regardless of the number of points, and the drawing
// itself allocates nothing. The drawing and autoscale code (Draw, Autoscale)
// does not depend on Fyne and is tested without rendering.
package plot
