using OxyPlot;
using OxyPlot.SkiaSharp;
using SkiaSharp;

namespace TinyGrad.Experiments.Figures;

/// <summary>Renders a <see cref="Figure"/> to PNG with OxyPlot's SkiaSharp render context.</summary>
public static class FigurePng
{
    /// <summary>Pixels per SVG pixel: PNGs are drawn at twice the figure's size, for high-density screens.</summary>
    public const int Scale = 2;

    /// <summary>The PNG bytes of <paramref name="figure"/>, <see cref="Scale"/> times its width and height (rounded up).</summary>
    public static byte[] ToPng(this Figure figure)
    {
        var (width, height) = PixelSize(figure);
        using var bitmap = new SKBitmap(width, height);
        using (var canvas = new SKCanvas(bitmap))
        using (var rc = new SkiaRenderContext { RenderTarget = RenderTarget.PixelGraphic, SkCanvas = canvas, DpiScale = Scale })
        {
            canvas.Clear(SKColors.White);
            figure.Render(rc);
        }
        using var data = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        return data.ToArray();
    }

    /// <summary>The pixel size of the PNG of <paramref name="figure"/>.</summary>
    public static (int Width, int Height) PixelSize(Figure figure) =>
        ((int)Math.Ceiling(figure.Width * Scale), (int)Math.Ceiling(figure.Height * Scale));
}
