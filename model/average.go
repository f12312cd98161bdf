package model

import (
	"errors"
	"fmt"
	"slices"
)

// Average sets every parameter of dst to the mean of that parameter over members, which must have
// dst's architecture and parameters, by name and shape. Runs fine-tuned from the same weights stay close
// enough that their mean is one model (a uniform "model soup") that usually ranks better than the runs
// it averages, at the inference cost of one; for unrelated models the mean is meaningless.
func Average(dst *Model, members []*Model) error {
	if len(members) == 0 {
		return errors.New("model: average: no models")
	}
	params := dst.Params()
	for i, m := range members {
		if m.Arch != dst.Arch {
			return fmt.Errorf("model: average: model %d is %s, not %s", i+1, m.Arch, dst.Arch)
		}
		src := m.Params()
		if len(src) != len(params) {
			return fmt.Errorf("model: average: model %d has %d parameters, not %d", i+1, len(src), len(params))
		}
		for k, p := range params {
			if src[k].Name != p.Name || !slices.Equal(src[k].Shape, p.Shape) {
				return fmt.Errorf("model: average: model %d has %s%v where %s%v is expected", i+1, src[k].Name, src[k].Shape, p.Name, p.Shape)
			}
		}
	}
	var sum []float64
	for k, p := range params {
		sum = slices.Grow(sum[:0], len(p.Data))[:len(p.Data)]
		clear(sum)
		for _, m := range members {
			for i, v := range m.Params()[k].Data {
				sum[i] += float64(v)
			}
		}
		for i := range p.Data {
			p.Data[i] = float32(sum[i] / float64(len(members)))
		}
	}
	return nil
}
