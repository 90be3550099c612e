package pyvalue

import (
	"math"
	"math/big"
)

// CPython's set iteration order is the order of its open-addressing hash
// table. For numbers (and tuples of numbers) the hashes are fixed by the
// language, so the order is deterministic and reproduced here. Strings,
// bytes and None hash differently in every Python process, so no order is
// "the" Python order for them; those sets keep insertion order.

const (
	hashBits     = 61
	hashModulus  = (uint64(1) << hashBits) - 1
	hashInf      = 314159
	hashImag     = 1000003
	linearProbes = 9
	perturbShift = 5
	setMinSize   = 8
	xxPrime1     = uint64(11400714785074694791)
	xxPrime2     = uint64(14029467366897019727)
	xxPrime5     = uint64(2870177450012600261)
)

// cpythonHash returns hash(v) as CPython computes it, and false when the
// hash is randomised per process.
func cpythonHash(v Value) (uint64, bool) {
	switch x := v.(type) {
	case Bool:
		if x {
			return 1, true
		}
		return 0, true
	case Int:
		return hashBigInt(x.V), true
	case Float:
		return hashFloat(float64(x)), true
	case Complex:
		c := hashFloat(real(x)) + hashImag*hashFloat(imag(x))
		if c == math.MaxUint64 {
			c = math.MaxUint64 - 1
		}
		return c, true
	case *Tuple:
		acc := xxPrime5
		for _, it := range x.Items {
			lane, ok := cpythonHash(it)
			if !ok {
				return 0, false
			}
			acc += lane * xxPrime2
			acc = acc<<31 | acc>>33
			acc *= xxPrime1
		}
		acc += uint64(len(x.Items)) ^ (xxPrime5 ^ 3527539)
		if acc == math.MaxUint64 {
			return 1546275796, true
		}
		return acc, true
	}
	return 0, false
}

func hashBigInt(i *big.Int) uint64 {
	m := new(big.Int).Abs(i)
	m.Mod(m, new(big.Int).SetUint64(hashModulus))
	h := m.Uint64()
	if i.Sign() < 0 {
		h = -h
	}
	if h == math.MaxUint64 { // -1 is reserved for errors in CPython
		h = math.MaxUint64 - 1
	}
	return h
}

func hashFloat(v float64) uint64 {
	if math.IsInf(v, 0) {
		if v > 0 {
			return hashInf
		}
		h := uint64(hashInf)
		return -h
	}
	if math.IsNaN(v) {
		return 0 // unreachable from a literal; any value keeps the order defined
	}
	m, e := math.Frexp(v)
	sign := uint64(1)
	if m < 0 {
		sign = math.MaxUint64 // -1 as the unsigned multiplier CPython uses
		m = -m
	}
	var x uint64
	for m != 0 {
		x = ((x << 28) & hashModulus) | x>>(hashBits-28)
		m *= 268435456.0
		e -= 28
		y := uint64(m)
		m -= float64(y)
		x += y
		if x >= hashModulus {
			x -= hashModulus
		}
	}
	if e >= 0 {
		e %= hashBits
	} else {
		e = hashBits - 1 - ((-1 - e) % hashBits)
	}
	x = ((x << uint(e)) & hashModulus) | x>>(hashBits-uint(e))
	x *= sign
	if x == math.MaxUint64 {
		x = math.MaxUint64 - 1
	}
	return x
}

type setSlot struct {
	used bool
	hash uint64
	val  Value
}

// cpythonSetOrder returns unique elements in the order CPython's set would
// iterate them after adding them one by one to an empty set.
func cpythonSetOrder(unique []Value) []Value {
	hashes := make([]uint64, len(unique))
	for i, v := range unique {
		h, ok := cpythonHash(v)
		if !ok {
			return unique
		}
		hashes[i] = h
	}
	table := make([]setSlot, setMinSize)
	fill := 0
	for i, v := range unique {
		insertClean(table, hashes[i], v)
		fill++
		mask := uint64(len(table) - 1)
		if uint64(fill)*5 >= mask*3 {
			minUsed := fill * 4
			if fill > 50000 {
				minUsed = fill * 2
			}
			size := setMinSize
			for size <= minUsed {
				size <<= 1
			}
			newTable := make([]setSlot, size)
			for _, s := range table {
				if s.used {
					insertClean(newTable, s.hash, s.val)
				}
			}
			table = newTable
		}
	}
	out := make([]Value, 0, len(unique))
	for _, s := range table {
		if s.used {
			out = append(out, s.val)
		}
	}
	return out
}

// insertClean places a key known to be absent, probing like CPython: a run
// of linear probes, then a perturbed jump.
func insertClean(table []setSlot, hash uint64, v Value) {
	mask := uint64(len(table) - 1)
	perturb := hash
	i := hash & mask
	for {
		if !table[i].used {
			table[i] = setSlot{used: true, hash: hash, val: v}
			return
		}
		if i+linearProbes <= mask {
			for j := uint64(1); j <= linearProbes; j++ {
				if !table[i+j].used {
					table[i+j] = setSlot{used: true, hash: hash, val: v}
					return
				}
			}
		}
		perturb >>= perturbShift
		i = (i*5 + 1 + perturb) & mask
	}
}
