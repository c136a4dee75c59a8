using System.CommandLine;
using TinyGrad;

namespace TinyGrad.Experiments;

/// <summary>The homework program: <c>hw1 devices</c> now; the experiments and the report follow.</summary>
public static class Program
{
    /// <summary>Parses the command line and runs the chosen command; returns the process exit code.</summary>
    public static int Main(string[] args)
    {
        var root = new RootCommand("hw1: the MLDS HW1 deep-learning theory experiments on TinyGrad.NET");
        var devices = new Command("devices", "List the compute devices and why any is unavailable");
        devices.SetAction(_ =>
        {
            foreach (var (name, description, available) in Device.List())
                Console.WriteLine($"{name,-8} {(available ? "available" : "unavailable"),-12} {description}");
            return 0;
        });
        root.Add(devices);
        root.SetAction(parse =>
        {
            Console.WriteLine("hw1: choose a command (run 'hw1 --help' for details). Available now: devices.");
            Console.WriteLine("The experiments (list, run, report) arrive with the experiments issue.");
            return 0;
        });
        return root.Parse(args).Invoke();
    }
}
