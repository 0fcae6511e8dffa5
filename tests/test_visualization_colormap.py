"""The blue-white-red relevance colour map is centred at zero and symmetric."""
import numpy as np

from unrolled_lrp.visualization import probability_to_rgb, relevance_to_rgb

WHITE, RED, BLUE = [255, 255, 255], [255, 0, 0], [0, 0, 255]


def test_zero_relevance_is_white_for_any_scale():
    for limit in (1e-6, 1.0, 1e4, None):
        rgb = relevance_to_rgb(np.array([[0.0, 0.0], [3.0, -1.0]]), limit)
        assert rgb[0, 0].tolist() == WHITE and rgb[0, 1].tolist() == WHITE


def test_map_is_mirror_symmetric_around_zero():
    """-x gets the colour of +x with red and blue swapped (same distance from white)."""
    values = np.random.default_rng(0).normal(size=(7, 9))
    positive, negative = relevance_to_rgb(values, 2.0), relevance_to_rgb(-values, 2.0)
    assert np.array_equal(negative, positive[..., ::-1])


def test_default_scale_is_the_largest_absolute_value():
    rgb = relevance_to_rgb(np.array([[0.5, -2.0, 1.0]]))
    assert rgb[0, 1].tolist() == BLUE  # -2 is the extreme: pure blue
    assert rgb[0, 2].tolist() == [255, 128, 128]  # +1 = half way from white to red
    assert rgb[0, 0].tolist() == [255, 191, 191]


def test_values_beyond_the_limit_saturate():
    rgb = relevance_to_rgb(np.array([[5.0, -5.0]]), limit=1.0)
    assert rgb[0, 0].tolist() == RED and rgb[0, 1].tolist() == BLUE


def test_colour_saturates_monotonically_with_magnitude():
    rgb = relevance_to_rgb(np.linspace(0, 1, 11)[None], 1.0).astype(int)
    assert (np.diff(rgb[0, :, 1]) < 0).all() and (rgb[0, :, 0] == 255).all()


def test_all_zero_map_is_white():
    assert (relevance_to_rgb(np.zeros((3, 4))) == 255).all()


def test_probability_half_is_white_one_red_zero_blue():
    rgb = probability_to_rgb(np.array([[0.5, 1.0, 0.0]]))
    assert rgb[0].tolist() == [WHITE, RED, BLUE]
