package acquisition

// Pool is a fixed free-list of Blocks of one shape (Effective Go's "leaky
// buffer"). It never allocates after NewPool: Get returns nil when every
// block is in use, and Put of a block beyond the pool's size is dropped for
// the garbage collector. Safe for concurrent use.
type Pool struct {
	free          chan *Block
	channels, cap int
}

// NewPool returns a pool of n blocks of channels × capacity samples.
func NewPool(n, channels, capacity int) *Pool {
	p := &Pool{free: make(chan *Block, n), channels: channels, cap: capacity}
	for i := 0; i < n; i++ {
		p.free <- NewBlock(channels, capacity)
	}
	return p
}

// TryGet returns a free block, or nil when none is free. It never blocks.
func (p *Pool) TryGet() *Block {
	select {
	case b := <-p.free:
		return b
	default:
		return nil
	}
}

// Put returns b to the pool. Blocks of another shape are ignored.
func (p *Pool) Put(b *Block) {
	if b == nil || b.Channels != p.channels || b.Cap != p.cap {
		return
	}
	select {
	case p.free <- b:
	default:
	}
}
